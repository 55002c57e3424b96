Feature: Yrityspalveluprosessi – Yritystalo Business Lohja routes each customer by segment and need
  Novago defines the customer's need, introduces the house's organisations to a first-time
  customer, always hands over the service guide, and the routing table
  (bpmn/lansi_uusimaa_ohjaus.dmn, hit policy COLLECT) chooses the organisations that deliver the
  service: one or several. The customer evaluates the service on a scale of 1–4; a satisfied
  customer (3–4) ends the process, otherwise the partnership team handles the feedback.

  Background:
    Given the process "lansi_uusimaa_yrityspalvelu" is deployed
    And a new case of "lansi_uusimaa_yrityspalvelu" with:
      | field   | value         |
      | asiakas | Lohjan Leipä Oy |
      | kanava  | kaynti        |

  Scenario Outline: Each need in the routing table sends a local customer to its organisation, and only there
    When "Novago" completes "Määrittele asiakastarve" with:
      | aiempi_asiakas | true        |
      | segmentti      | paikallinen |
      | tarpeet        | ["<need>"]  |
    And "Novago" completes "Anna palveluopas"
    Then the case waits at "Toteuta palvelu: <organisation>" in lane "<organisation>"
    When "<organisation>" completes "Toteuta palvelu: <organisation>"
    Then the case waits at "Arvioi palvelu" in lane "Asiakas"

    Examples:
      | need                  | organisation             |
      | perustaminen          | Novago                   |
      | rekrytointi           | TE-toimisto              |
      | starttiraha           | TE-toimisto              |
      | toimitilat_luvat      | Lohjan elinkeinopalvelut |
      | verkostoituminen      | Lohjan Yrittäjät         |
      | kehityshanke          | Laurea                   |
      | koulutus              | Luksia                   |
      | kirjanpito_juridiikka | Yksityiset toimijat      |
      | kasvu                 | Novago                   |

  Scenario Outline: A segment of its own in the routing table adds its organisation to the need's
    When "Novago" completes "Määrittele asiakastarve" with:
      | aiempi_asiakas | true           |
      | segmentti      | <segment>      |
      | tarpeet        | ["koulutus"]   |
    And "Novago" completes "Anna palveluopas"
    Then the case waits at "Toteuta palvelu: Luksia" in lane "Luksia"
    And the case waits at "Toteuta palvelu: <organisation>" in lane "<organisation>"

    Examples:
      | segment          | organisation             |
      | aloittava        | Novago                   |
      | kansainvalistyva | Novago                   |
      | suuryritys       | Lohjan elinkeinopalvelut |

  Scenario Outline: A segment without a row of its own goes only where its need sends it
    When "Novago" completes "Määrittele asiakastarve" with:
      | aiempi_asiakas | true         |
      | segmentti      | <segment>    |
      | tarpeet        | ["koulutus"] |
    And "Novago" completes "Anna palveluopas"
    Then the case waits at "Toteuta palvelu: Luksia" in lane "Luksia"
    And the case does not wait at "Toteuta palvelu: Novago"
    And the case does not wait at "Toteuta palvelu: Lohjan elinkeinopalvelut"

    Examples:
      | segment      |
      | paikallinen  |
      | kotimarkkina |

  Scenario: Two rows choosing the same organisation still mean one delivery
    When "Novago" completes "Määrittele asiakastarve" with:
      | aiempi_asiakas | true             |
      | segmentti      | aloittava        |
      | tarpeet        | ["perustaminen"] |
    And "Novago" completes "Anna palveluopas"
    Then the field "organisaatiot" is ["Novago", "Novago"]
    When "Novago" completes "Toteuta palvelu: Novago"
    Then the case waits at "Arvioi palvelu" in lane "Asiakas"
    And the case does not wait at "Toteuta palvelu: Novago"

  Scenario: A first-time customer is introduced to the house's organisations and gets the service guide
    When "Novago" completes "Määrittele asiakastarve" with:
      | aiempi_asiakas | false        |
      | segmentti      | aloittava    |
      | tarpeet        | ["perustaminen"] |
    Then the case waits at "Esittele talon organisaatiot ja roolit" in lane "Novago"
    When "Novago" completes "Esittele talon organisaatiot ja roolit"
    Then the case waits at "Anna palveluopas" in lane "Novago"
    When "Novago" completes "Anna palveluopas"
    Then the case passed through "Esittele talon organisaatiot ja roolit"
    And the case passed through "Anna palveluopas"

  Scenario: A returning customer skips the introduction but still gets the service guide
    When "Novago" completes "Määrittele asiakastarve" with:
      | aiempi_asiakas | true         |
      | segmentti      | kotimarkkina |
      | tarpeet        | ["kasvu"]    |
    Then the case waits at "Anna palveluopas" in lane "Novago"
    When "Novago" completes "Anna palveluopas"
    Then the case passed through "Anna palveluopas"
    And the case did not pass through "Esittele talon organisaatiot ja roolit"

  Scenario: A customer who needs two organisations is served by both before evaluating
    When "Novago" completes "Määrittele asiakastarve" with:
      | aiempi_asiakas | true                         |
      | segmentti      | kotimarkkina                 |
      | tarpeet        | ["rekrytointi", "koulutus"]  |
    And "Novago" completes "Anna palveluopas"
    Then the case waits at "Toteuta palvelu: TE-toimisto" in lane "TE-toimisto"
    And the case waits at "Toteuta palvelu: Luksia" in lane "Luksia"
    When "TE-toimisto" completes "Toteuta palvelu: TE-toimisto"
    Then the case does not wait at "Arvioi palvelu"
    When "Luksia" completes "Toteuta palvelu: Luksia"
    Then the case waits at "Arvioi palvelu" in lane "Asiakas"
    And the work was handed from "Novago" to "TE-toimisto"
    And the work was handed from "Novago" to "Luksia"
    And the case did not pass through "Toteuta palvelu: Novago"

  Scenario Outline: A satisfied customer ends the process; an unsatisfied one's feedback goes to the partnership team
    When "Novago" completes "Määrittele asiakastarve" with:
      | aiempi_asiakas | true        |
      | segmentti      | paikallinen |
      | tarpeet        | ["kasvu"]   |
    And "Novago" completes "Anna palveluopas"
    And "Novago" completes "Toteuta palvelu: Novago"
    And "Asiakas" completes "Arvioi palvelu" with:
      | tyytyvaisyys | <score> |
    Then the case <what> "Käsittele palaute kumppanuustiimissä"

    Examples:
      | score | what                    |
      | 4     | did not pass through    |
      | 3     | did not pass through    |
      | 2     | waits at                |
      | 1     | waits at                |

  Scenario: A satisfied customer
    When "Novago" completes "Määrittele asiakastarve" with:
      | aiempi_asiakas | true        |
      | segmentti      | paikallinen |
      | tarpeet        | ["kasvu"]   |
    And "Novago" completes "Anna palveluopas"
    And "Novago" completes "Toteuta palvelu: Novago"
    And "Asiakas" completes "Arvioi palvelu" with:
      | tyytyvaisyys | 4                  |
      | palaute      | Nopea ja selkeä    |
    Then the case is completed
    And the case ended at "Tyytyväinen asiakas"
    And there were 2 handoffs

  Scenario: Feedback of an unsatisfied customer is handled before the process ends
    When "Novago" completes "Määrittele asiakastarve" with:
      | aiempi_asiakas | true        |
      | segmentti      | paikallinen |
      | tarpeet        | ["verkostoituminen"] |
    And "Novago" completes "Anna palveluopas"
    And "Lohjan Yrittäjät" completes "Toteuta palvelu: Lohjan Yrittäjät"
    And "Asiakas" completes "Arvioi palvelu" with:
      | tyytyvaisyys | 2 |
    Then the case waits at "Käsittele palaute kumppanuustiimissä" in lane "Lohjan Yrittäjät"
    When "Lohjan Yrittäjät" completes "Käsittele palaute kumppanuustiimissä" with:
      | kehitystoimenpide | Selkeämpi ohjaus ensimmäisellä käynnillä |
    Then the case ended at "Palaute käsitelty"

  Scenario: The evaluation scale is 1–4
    When "Novago" completes "Määrittele asiakastarve" with:
      | aiempi_asiakas | true        |
      | segmentti      | paikallinen |
      | tarpeet        | ["kasvu"]   |
    And "Novago" completes "Anna palveluopas"
    And "Novago" completes "Toteuta palvelu: Novago"
    Then completing "Arvioi palvelu" is rejected because "tyytyvaisyys" with:
      | tyytyvaisyys | 5 |
    And completing "Arvioi palvelu" is rejected because "tyytyvaisyys" with:
      | tyytyvaisyys | 0 |
    And the case waits at "Arvioi palvelu" in lane "Asiakas"

  Scenario: A need must be defined before the customer is routed
    Then completing "Määrittele asiakastarve" is rejected because "tarpeet" with:
      | aiempi_asiakas | true        |
      | segmentti      | paikallinen |
      | tarpeet        | []          |
