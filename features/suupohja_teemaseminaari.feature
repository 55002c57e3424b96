# language: fi
Ominaisuus: Aktivoivat yrityspalvelut – yhteinen teemaseminaari (Yritys-Suomi Suupohja)
  SEK päättää teeman alueen toimijoiden kanssa, valitsee asiantuntijat, varaa tilat ja
  markkinoi seminaarin. Seminaari pidetään kahden viikon päästä, jos ilmoittautuneita on
  vähintään kymmenen; muuten se perutaan. Lopuksi kerätään yritysten jatkokehitystarpeet.

  Tausta:
    Oletetaan prosessi "suupohja_teemaseminaari" on otettu käyttöön
    Ja uusi tapaus prosessista "suupohja_teemaseminaari"
    Kun "SEK" suorittaa tehtävän "Päätä teema alueen toimijoiden kanssa" tiedoilla:
      | teema    | Sukupolvenvaihdos     |
      | toimijat | ["SEK", "ELY", "UYK"] |
    Ja "SEK" suorittaa tehtävän "Valitse asiantuntijat"
    Ja "SEK" suorittaa tehtävän "Varaa tilat"

  Tapausaihio: Seminaari pidetään vain, kun ilmoittautuneita on vähintään kymmenen
    Kun "SEK" suorittaa tehtävän "Markkinoi seminaari" tiedoilla:
      | kanavat         | ["lehti", "tiedote"] |
      | ilmoittautuneet | <ilmoittautuneet>    |
    Niin tapaus <tulos> "Seminaaripäivä"

    Tapaukset:
      | ilmoittautuneet | tulos                  |
      | 10              | odottaa tehtävässä     |
      | 25              | odottaa tehtävässä     |
      | 9               | ei odota tehtävässä    |

  Tapaus: Liian vähän ilmoittautuneita: seminaari perutaan
    Kun "SEK" suorittaa tehtävän "Markkinoi seminaari" tiedoilla:
      | kanavat         | ["verkkokalenteri"] |
      | ilmoittautuneet | 4                   |
    Niin tapaus on valmis
    Ja tapaus päättyi tapahtumaan "Seminaari peruttu"
    Ja tapaus ei kulkenut tehtävän "Toteuta seminaari" kautta

  Tapaus: Seminaari pidetään kahden viikon päästä ja jatkotarpeet kerätään
    Kun "SEK" suorittaa tehtävän "Markkinoi seminaari" tiedoilla:
      | kanavat         | ["lehti", "messut"] |
      | ilmoittautuneet | 18                  |
    Ja kuluu 13 päivää
    Niin tapaus odottaa tehtävässä "Seminaaripäivä" kaistalla "SEK"
    Kun kuluu 1 päivä
    Ja "SEK" suorittaa tehtävän "Toteuta seminaari" tiedoilla:
      | osallistujat | 21 |
      | yrityksia    | 15 |
    Ja "SEK" suorittaa tehtävän "Kerää jatkokehitystarpeet" tiedoilla:
      | kehitystarpeet    | Omistajanvaihdoksen rahoitus |
      | jatkoyhteydenotot | 6                            |
      | tyytyvaisyys      | 4                            |
    Niin tapaus on valmis
    Ja tapaus päättyi tapahtumaan "Yritykset tuntevat alueen palvelut"

  Tapaus: Markkinoinnissa on käytettävä ainakin yhtä kanavaa
    Niin tehtävän "Markkinoi seminaari" suorittaminen hylätään, koska "kanavat", tiedoilla:
      | kanavat         | [] |
      | ilmoittautuneet | 12 |
