# language: fi
Ominaisuus: Aktivoivat yrityspalvelut – yhteinen yrityskäynti (Yritys-Suomi Suupohja)
  Yhteisellä yrityskäynnillä kuunnellaan ja kartoitetaan asiakkaan tarpeet ennen kuin
  ratkaisuvaihtoehtoja esitellään. Jälkihoidossa SEK ohjaa asiakkaan tarpeen mukaan
  ELYlle, TE-toimistolle, UYKlle, ProAgrialle tai Metsäkeskukselle (tai ei kenellekään), ja
  jokainen vastaanottaja kirjaa, johtiko liidi toimenpiteeseen ja syntyikö uusi asiakkuus.

  Tausta:
    Oletetaan prosessi "suupohja_yrityskaynti" on otettu käyttöön
    Ja uusi tapaus prosessista "suupohja_yrityskaynti" tiedoilla:
      | kenttä  | arvo                  |
      | asiakas | Kauhajoen Konepaja Oy |
      | kunta   | Kauhajoki             |
    Ja "SEK" suorittaa tehtävän "Valmistele yrityskäynti" tiedoilla:
      | nykytila     | Kasvuhakuinen konepaja, 12 henkilöä |
      | osallistujat | ["SEK", "ELY"]                      |

  Tapaus: Tarpeet kartoitetaan ennen kuin ratkaisuja esitellään
    Niin tapaus odottaa tehtävässä "Kartoita asiakkaan tarpeet" kaistalla "SEK"
    Ja tapaus ei kulkenut tehtävän "Esittele ratkaisuvaihtoehdot" kautta
    Ja tehtävän "Kartoita asiakkaan tarpeet" suorittaminen hylätään, koska "tarpeet", tiedoilla:
      | segmentti | paikallinen |
      | tarpeet   | []          |
    Kun "SEK" suorittaa tehtävän "Kartoita asiakkaan tarpeet" tiedoilla:
      | segmentti | paikallinen  |
      | tarpeet   | ["rahoitus"] |
    Niin tapaus odottaa tehtävässä "Esittele ratkaisuvaihtoehdot" kaistalla "SEK"
    Ja tapaus kulki tehtävän "Kartoita asiakkaan tarpeet" kautta

  Tapaus: Jälkihoito alkaa kahden viikon kuluttua käynnistä
    Kun "SEK" suorittaa tehtävän "Kartoita asiakkaan tarpeet" tiedoilla:
      | segmentti | paikallinen  |
      | tarpeet   | ["rahoitus"] |
    Ja "SEK" suorittaa tehtävän "Esittele ratkaisuvaihtoehdot"
    Ja "SEK" suorittaa tehtävän "Sovi jatkotoimenpiteet" tiedoilla:
      | toimenpiteet | Kehittämisrahoitushakemus ELYlle |
    Ja kuluu 13 päivää
    Niin tapaus odottaa tehtävässä "Kaksi viikkoa käynnistä" kaistalla "SEK"
    Kun kuluu 1 päivä
    Niin tapaus odottaa tehtävässä "Tee jälkihoitosuunnitelma ja ohjaa asiakas" kaistalla "SEK"

  Tapausaihio: Liidi ohjataan tarpeen mukaiselle organisaatiolle, joka kirjaa sen tuloksen
    Kun "SEK" suorittaa tehtävän "Kartoita asiakkaan tarpeet" tiedoilla:
      | segmentti | paikallinen |
      | tarpeet   | ["<tarve>"] |
    Ja "SEK" suorittaa tehtävän "Esittele ratkaisuvaihtoehdot"
    Ja "SEK" suorittaa tehtävän "Sovi jatkotoimenpiteet" tiedoilla:
      | toimenpiteet | Ohjaus: <organisaatio> |
    Ja kuluu 15 päivää
    Ja "SEK" suorittaa tehtävän "Tee jälkihoitosuunnitelma ja ohjaa asiakas" tiedoilla:
      | seurantasuunnitelma    | Soitto kuukauden päästä |
      | suunnitelma_toteutunut | kyllä                   |
      | organisaatiot          | ["<organisaatio>"]      |
    Niin tapaus odottaa tehtävässä "Käsittele liidi: <organisaatio>" kaistalla "<organisaatio>"
    Ja työ siirtyi kaistalta "SEK" kaistalle "<organisaatio>"
    Ja tehtävän "Käsittele liidi: <organisaatio>" suorittaminen hylätään, koska "<kenttä>_toimenpide"
    Kun "<organisaatio>" suorittaa tehtävän "Käsittele liidi: <organisaatio>" tiedoilla:
      | <kenttä>_toimenpide  | kyllä |
      | <kenttä>_uusi_asiakas | ei    |
    Niin tapaus on valmis
    Ja tapaus päättyi tapahtumaan "Asiakas saa tarpeiden mukaiset palvelut"
    Ja kentän "<kenttä>_toimenpide" arvo on kyllä
    Ja kentän "<kenttä>_uusi_asiakas" arvo on ei

    Tapaukset:
      | tarve               | organisaatio | kenttä      |
      | rahoitus            | ELY          | ely         |
      | rekrytointi         | TE-toimisto  | te          |
      | perustaminen        | UYK          | uyk         |
      | maatila             | ProAgria     | proagria    |
      | metsa               | Metsäkeskus  | metsakeskus |

  Tapaus: Asiakas ohjataan kahdelle organisaatiolle, eikä muille
    Kun "SEK" suorittaa tehtävän "Kartoita asiakkaan tarpeet" tiedoilla:
      | segmentti | kansainvalistyva                        |
      | tarpeet   | ["kansainvalistyminen", "rekrytointi"] |
    Ja "SEK" suorittaa tehtävän "Esittele ratkaisuvaihtoehdot"
    Ja "SEK" suorittaa tehtävän "Sovi jatkotoimenpiteet" tiedoilla:
      | toimenpiteet | Kansainvälistymispalvelut ja rekrytointi |
    Ja kuluu 15 päivää
    Ja "SEK" suorittaa tehtävän "Tee jälkihoitosuunnitelma ja ohjaa asiakas" tiedoilla:
      | seurantasuunnitelma    | Seuranta kolmen kuukauden päästä |
      | suunnitelma_toteutunut | kyllä                            |
      | organisaatiot          | ["ELY", "TE-toimisto"]           |
    Niin tapaus odottaa tehtävässä "Käsittele liidi: ELY" kaistalla "ELY"
    Ja tapaus odottaa tehtävässä "Käsittele liidi: TE-toimisto" kaistalla "TE-toimisto"
    Kun "ELY" suorittaa tehtävän "Käsittele liidi: ELY" tiedoilla:
      | ely_toimenpide   | kyllä |
      | ely_uusi_asiakas | kyllä |
    Niin tapaus odottaa tehtävässä "Käsittele liidi: TE-toimisto" kaistalla "TE-toimisto"
    Kun "TE-toimisto" suorittaa tehtävän "Käsittele liidi: TE-toimisto" tiedoilla:
      | te_toimenpide   | ei |
      | te_uusi_asiakas | ei |
    Niin tapaus on valmis
    Ja tapaus ei kulkenut tehtävän "Käsittele liidi: UYK" kautta
    Ja tapaus ei kulkenut tehtävän "Käsittele liidi: ProAgria" kautta
    Ja tapaus ei kulkenut tehtävän "Käsittele liidi: Metsäkeskus" kautta

  Tapaus: Kun ohjausta ei tarvita, tapaus päättyy jälkihoitoon ilman liidejä
    Kun "SEK" suorittaa tehtävän "Kartoita asiakkaan tarpeet" tiedoilla:
      | segmentti | paikallinen       |
      | tarpeet   | ["kehittaminen"]  |
    Ja "SEK" suorittaa tehtävän "Esittele ratkaisuvaihtoehdot"
    Ja "SEK" suorittaa tehtävän "Sovi jatkotoimenpiteet" tiedoilla:
      | toimenpiteet | Oma kehittämissuunnitelma |
    Ja kuluu 15 päivää
    Ja "SEK" suorittaa tehtävän "Tee jälkihoitosuunnitelma ja ohjaa asiakas" tiedoilla:
      | seurantasuunnitelma    | Ei seurantaa |
      | suunnitelma_toteutunut | ei           |
      | organisaatiot          | []           |
    Niin tapaus on valmis
    Ja tapaus päättyi tapahtumaan "Asiakas saa tarpeiden mukaiset palvelut"
    Ja tapaus ei kulkenut tehtävän "Käsittele liidi: ELY" kautta
    # Asiakas → SEK; lopputapahtuma asiakkaan kaistalla ei ole kapulanvaihto (docs/architecture.md)
    Ja kapulanvaihtoja oli 1
