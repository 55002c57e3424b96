Feature: Vastuullisuusraportointipalvelu – an accounting firm's sustainability-reporting customer journey
  The firm maps the customer's starting point, offers the service, and negotiates the price until
  the customer accepts or rejects the offer. After signing, the customer collects the data; the
  firm's back stage checks its quality and sends it back while it has defects, then reports,
  and the customer plans its sustainability goals. The CRM records each outcome.

  Background:
    Given the process "vastuullisuusraportointi" is deployed
    And a new case of "vastuullisuusraportointi" with:
      | asiakas | Tilipalvelu Virta Oy |
      | kanava  | tilitoimisto         |
    When "Tilitoimisto – front stage" completes "Kartoita vastuullisuuden nykytila" with:
      | nykytila               | alkuvaiheessa |
      | raportointivelvollinen | false         |
    And "Tukitoiminnot" completes "Tee taustaselvitys asiakkaasta"
    And "Asiakas" completes "Tutustu palvelukuvaukseen ja hinnastoon"
    And "Tilitoimisto – back stage" completes "Päätä asiakkuuden laajuus" with:
      | laajuus | raportti |
    And "Tilitoimisto – front stage" completes "Laadi tarjous ja sopimusversio" with:
      | hinta                      | 4800 |
      | jarjestelmat_yhteensopivat | true |

  Scenario: Negotiating the price sends the offer back to the firm until the customer accepts
    When "Asiakas" completes "Arvioi tarjous" with:
      | paatos      | neuvottele |
      | vastaehdotus | 3900      |
    Then the case waits at "Laadi tarjous ja sopimusversio" in lane "Tilitoimisto – front stage"
    When "Tilitoimisto – front stage" completes "Laadi tarjous ja sopimusversio" with:
      | hinta                      | 4200 |
      | jarjestelmat_yhteensopivat | true |
    And "Asiakas" completes "Arvioi tarjous" with:
      | paatos | neuvottele |
    And "Tilitoimisto – front stage" completes "Laadi tarjous ja sopimusversio" with:
      | hinta                      | 4000 |
      | jarjestelmat_yhteensopivat | true |
    And "Asiakas" completes "Arvioi tarjous" with:
      | paatos | hyvaksy |
    Then the case waits at "Tarkista ja allekirjoita sopimus" in lane "Asiakas"
    And the field "hinta" is 4000
    And the work was handed from "Asiakas" to "Tilitoimisto – front stage"

  Scenario: A rejected offer ends the journey and the CRM records the rejection
    When "Asiakas" completes "Arvioi tarjous" with:
      | paatos | hylkaa |
    Then the case is completed
    And the case ended at "Asiakas hylkäsi tarjouksen"
    And the case passed through "Kirjaa hylätty tarjous"
    And the case did not pass through "Tarkista ja allekirjoita sopimus"
    And the field "crm_tila" is "hylatty"

  Scenario: The offer decision is accept, negotiate or reject
    Then completing "Arvioi tarjous" is rejected because "paatos" with:
      | paatos | ehkä |
    And completing "Arvioi tarjous" is rejected because "paatos"

  Scenario: The journey goes on only with a signed contract
    When "Asiakas" completes "Arvioi tarjous" with:
      | paatos | hyvaksy |
    Then completing "Tarkista ja allekirjoita sopimus" is rejected because "sopimus_allekirjoitettu" with:
      | sopimus_allekirjoitettu | false |
    And the case waits at "Tarkista ja allekirjoita sopimus" in lane "Asiakas"
    And the case did not pass through "Päivitä asiakastiedot"

  Scenario: Data with defects goes back to the customer until the quality check passes
    When "Asiakas" completes "Arvioi tarjous" with:
      | paatos | hyvaksy |
    And "Asiakas" completes "Tarkista ja allekirjoita sopimus" with:
      | sopimus_allekirjoitettu | true |
    Then the field "crm_tila" is "asiakas"
    When "Tilitoimisto – front stage" completes "Anna käyttöoikeudet ja perehdytä" with:
      | tietokyselytyokalu     | verkkolomake |
      | kayttooikeudet_annettu | true         |
    And "Asiakas" completes "Vastaanota tietovaatimukset"
    And "Asiakas" completes "Kerää tiedot ja täytä tietokysely" with:
      | oma_laatuarvio | epavarma |
    And "Tilitoimisto – back stage" completes "Tarkista tietojen laatu" with:
      | laatu    | puutteita                     |
      | puutteet | Energiankulutus puuttuu       |
    Then the case waits at "Kerää tiedot ja täytä tietokysely" in lane "Asiakas"
    And the work was handed from "Tilitoimisto – back stage" to "Asiakas"
    When "Asiakas" completes "Kerää tiedot ja täytä tietokysely" with:
      | oma_laatuarvio | hyva |
    And "Tilitoimisto – back stage" completes "Tarkista tietojen laatu" with:
      | laatu | kunnossa |
    Then the case waits at "Laadi tunnusluvut ja raportti" in lane "Tilitoimisto – back stage"

  Scenario: The whole journey ends with the customer's sustainability goals planned
    When "Asiakas" completes "Arvioi tarjous" with:
      | paatos | hyvaksy |
    And "Asiakas" completes "Tarkista ja allekirjoita sopimus" with:
      | sopimus_allekirjoitettu | true |
    And "Tilitoimisto – front stage" completes "Anna käyttöoikeudet ja perehdytä" with:
      | tietokyselytyokalu     | taulukko |
      | kayttooikeudet_annettu | true     |
    And "Asiakas" completes "Vastaanota tietovaatimukset"
    And "Asiakas" completes "Kerää tiedot ja täytä tietokysely" with:
      | oma_laatuarvio | hyva |
    And "Tilitoimisto – back stage" completes "Tarkista tietojen laatu" with:
      | laatu | kunnossa |
    And "Tilitoimisto – back stage" completes "Laadi tunnusluvut ja raportti"
    And "Asiakas" completes "Analysoi tunnusluvut ja raportti"
    And "Asiakas" completes "Suunnittele vastuullisuustavoitteet" with:
      | tavoitteet   | Päästöt -20 % vuoteen 2028 |
      | tyytyvaisyys | 5                          |
    Then the case is completed
    And the case ended at "Vastuullisuustavoitteet suunniteltu"
    And the case passed through "Kirjaa palvelu toimitetuksi"
    And the field "crm_tila" is "toimitettu"
