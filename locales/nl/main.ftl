# Teksten voor klanten: machtigingspagina's, e-mails en sms-berichten.

interval-every = { $unit ->
    [day] { $count ->
        [one] per dag
       *[other] elke { $count } dagen
    }
    [week] { $count ->
        [one] per week
       *[other] elke { $count } weken
    }
    [month] { $count ->
        [one] per maand
       *[other] elke { $count } maanden
    }
   *[year] { $count ->
        [one] per jaar
       *[other] elke { $count } jaar
    }
}

mandate-title = Machtiging SEPA-incasso
mandate-intro = Controleer de gegevens hieronder en bevestig de machtiging.
mandate-creditor = Incassant
mandate-creditor-id = Incassant-ID
mandate-address = Adres
mandate-reference = Kenmerk machtiging
mandate-debtor = Rekeninghouder
mandate-iban = IBAN
mandate-payment-type = Soort betaling
mandate-recurrent = Doorlopende machtiging
mandate-product = Abonnement
mandate-amount = Bedrag
mandate-consent = Door deze machtiging te bevestigen geeft u toestemming aan { $creditor } om doorlopend incasso-opdrachten te sturen naar uw bank om een bedrag van uw rekening af te schrijven en aan uw bank om doorlopend een bedrag van uw rekening af te schrijven overeenkomstig de opdracht van { $creditor }. Als u het niet eens bent met deze afschrijving kunt u deze laten terugboeken. Neem hiervoor binnen 8 weken na afschrijving contact op met uw bank. Vraag uw bank naar de voorwaarden.
mandate-confirm = Ik geef deze machtiging
mandate-decline = Dit ben ik niet / annuleren
mandate-confirmed-title = Bedankt, uw machtiging is bevestigd
mandate-confirmed-text = { $creditor } incasseert de betalingen van rekening { $iban } onder machtigingskenmerk { $reference }. U ontvangt een bevestiging.
mandate-already-confirmed-title = Uw machtiging is bevestigd
mandate-already-confirmed-text = U hebt machtiging { $reference } voor rekening { $iban } op { $date } bevestigd. U hoeft niets meer te doen.
mandate-next = { $product }: { $creditor } schrijft { $amount } af en mailt u vóór elke afschrijving een aankondiging.
mandate-declined-title = De aanmelding is geannuleerd
mandate-declined-text = Er wordt niets van uw rekening afgeschreven. Was dit een vergissing? Neem dan contact op met { $creditor }.
link-problem-title = Deze link kan niet worden gebruikt
link-unknown = Deze link is niet geldig. Controleer of u de volledige link uit het bericht hebt geopend, of vraag het bedrijf dat de link stuurde om een nieuwe.
link-used = Deze link is al gebruikt. Elke link werkt maar één keer.
link-expired = Deze link is verlopen.
link-revoked = Deze link is ingetrokken.
link-contact = Neem contact op met { $creditor } voor een nieuwe link.
link-contact-email = Neem contact op met { $creditor } via { $email } voor een nieuwe link.
language = Taal

email-mandate-subject = { $creditor }: bevestig uw machtiging voor automatische incasso
email-greeting = Beste { $name },
email-mandate-body = Om uw abonnement "{ $product }" ({ $amount } { $interval }) te starten, vragen wij u de SEPA-machtiging voor rekening { $iban } te bevestigen.
email-mandate-button = Machtiging bekijken en bevestigen
email-mandate-expiry = Deze link is geldig tot { $date }.
email-mandate-ignore = Hebt u zich niet aangemeld? Negeer dan dit bericht: er wordt niets afgeschreven.
email-confirmed-subject = { $creditor }: uw machtiging is bevestigd
email-confirmed-body = Bedankt voor het bevestigen van machtiging { $reference } voor rekening { $iban }. { $creditor } incasseert { $amount } { $interval } voor "{ $product }".
email-confirmed-refund = U kunt een afschrijving binnen 8 weken via uw bank laten terugboeken.
email-signature = Met vriendelijke groet, { $creditor }
sms-mandate = { $creditor }: bevestig uw machtiging voor { $product }: { $link }

signup-first-name = Voornaam
signup-last-name = Achternaam
signup-email = E-mailadres
signup-phone = Mobiel nummer
signup-company = Bedrijf
signup-street = Straat en huisnummer
signup-postal-code = Postcode
signup-city = Plaats
signup-birth-date = Geboortedatum
signup-product = Kies uw abonnement
signup-iban = IBAN
signup-account-holder = Rekeninghouder
signup-start-date = Startdatum
signup-consent = Ik machtig { $creditor } om het bedrag via SEPA-incasso te innen. Ik bevestig de machtiging via de link die ik ontvang.
signup-submit = Aanmelden
signup-submit-pay = Aanmelden en { $amount } betalen
signup-submit-pay-any = Aanmelden en betalen
signup-pay-now = Nu te betalen: { $amount } voor de eerste periode.
signup-optional = (optioneel)
signup-errors-title = Verbeter het volgende
error-required = Vul dit veld in
error-email = Vul een e-mailadres in zoals naam@voorbeeld.nl
error-phone = Vul een mobiel nummer in zoals 06 12345678 of +32 470 12 34 56
error-iban = Vul een geldig IBAN in, zoals NL91 ABNA 0417 1643 00
error-date = Vul een datum in
error-start-date = Kies een startdatum vanaf vandaag
error-product = Kies een abonnement
error-consent = Vink het vakje aan om toestemming te geven
error-form-expired = Dit formulier is verlopen of al verstuurd. Controleer het en verstuur het opnieuw.
error-too-fast = Neem even de tijd om het formulier te controleren en verstuur het dan opnieuw.
error-rate-limited = Er zijn zojuist te veel aanmeldingen vanaf hier. Probeer het over een uur opnieuw.

## Customer fields, shared by the sign-up page, the admin, the API and imports
field-too-long = Gebruik ten hoogste { $max } tekens
customer-name-missing = Vul een achternaam of een bedrijfsnaam in
email-empty = Vul een e-mailadres in
email-too-long = Dit e-mailadres is te lang
phone-invalid = Vul een telefoonnummer in zoals 06 12345678 of +31 6 12345678
phone-country-unknown = Zet de landcode ervoor, zoals +32 voor België
country-invalid = Vul een landcode van twee letters in, zoals NL, BE of DE
language-invalid = Kies English, Nederlands, Français of Deutsch
payment-method-invalid = Kies automatische incasso of handmatig betalen
signup-check-email-title = Kijk in uw e-mail
signup-check-email-text = We hebben een link gestuurd naar { $email }. Open die om uw machtiging te bevestigen; daarna start uw abonnement.
signup-check-phone-title = Kijk op uw telefoon
signup-check-phone-text = We hebben een sms gestuurd naar { $phone }. Open de link daarin om uw machtiging te bevestigen.
signup-pay-title = Betaal de eerste periode
signup-pay-text = De betaling opent in dit venster. Na het betalen start uw abonnement en worden de volgende betalingen automatisch geïncasseerd.
signup-pay-link = Naar de betaling
footer-questions = Vragen?
footer-privacy = Privacyverklaring
footer-terms = Algemene voorwaarden
summary-title = Uw bestelling
back-to-site = Terug naar { $site }
page-not-found-title = Deze pagina is niet beschikbaar
page-not-found-text = De aanmeldpagina die u zoekt bestaat niet of is niet meer actief.
payment-paid-title = Bedankt, uw betaling is ontvangen
payment-paid-text = Met deze eerste betaling is uw machtiging voor { $creditor } bevestigd.
payment-failed-title = De betaling is niet gelukt
payment-failed-text = Uw bank heeft de betaling geweigerd. Er is niets afgeschreven.
payment-cancelled-text = De betaling is geannuleerd. Er is niets afgeschreven.
payment-expired-text = De betaling duurde te lang en is verlopen. Er is niets afgeschreven.
payment-retry = Opnieuw proberen
signup-consent-online = Ik betaal de eerste periode nu online en machtig { $creditor } om de volgende bedragen via SEPA-incasso te innen van de rekening waarmee ik betaal.

notice-subject = { $creditor }: incasso van { $amount } op { $date }
notice-invoice-subject = { $creditor }: factuur { $number }
notice-credit-subject = { $creditor }: creditnota { $number }
notice-intro = Hierbij kondigen wij een SEPA-incasso aan voor "{ $description }".
notice-invoice-intro = In de bijlage vindt u factuur { $number } voor "{ $description }".
notice-credit-intro = In de bijlage vindt u creditnota { $number }, die factuur { $credited } crediteert.
notice-collection = { $amount } wordt op { $date } afgeschreven van IBAN { $iban } onder machtigingskenmerk { $reference } door incassant-ID { $creditor_id }.
notice-period = Periode: { $start } tot en met { $end }.
notice-contact = Vragen? Beantwoord deze e-mail of schrijf naar { $email }.
notice-retry-subject = { $creditor }: nieuwe incasso van { $amount } op { $date }
notice-retry-intro = Uw bank heeft de incasso voor "{ $description }" teruggeboekt ({ $reason }). We proberen het nog één keer.
dunning-subject = { $creditor }: betaling van { $amount } mislukt
dunning-intro = We konden { $amount } voor "{ $description }" niet incasseren ({ $reason }). Wilt u dit bedrag online betalen?
dunning-no-link = We konden { $amount } voor "{ $description }" niet incasseren ({ $reason }). Neem contact met ons op om dit bedrag te betalen.
dunning-pay = Betaal { $amount } nu
mandate-needed-subject = { $creditor }: uw incasso is niet gelukt
mandate-needed-intro = Uw bank kon { $amount } voor "{ $description }" niet incasseren onder machtiging { $reference } ({ $reason }). Deze machtiging is niet meer bruikbaar: geef ons een nieuwe machtiging voor uw huidige rekening.
mandate-needed-action = Nieuwe machtiging geven

## Invoice and credit-note PDFs
invoice-title = Factuur
invoice-credit-note-title = Creditnota
invoice-number = Factuurnummer
invoice-credit-note-number = Creditnotanummer
invoice-date = Factuurdatum
invoice-credit-note-date = Datum creditnota
invoice-supply-period = Leveringsperiode
invoice-customer-reference = Uw referentie
invoice-corrects = Correctie op factuur
invoice-credit-reason = Reden
invoice-supplier = Leverancier
invoice-customer = Klant
invoice-description = Omschrijving
invoice-period = Periode
invoice-excl-vat = Excl. btw
invoice-vat-rate = Btw-tarief
invoice-vat = Btw
invoice-incl-vat = Incl. btw
invoice-vat-summary = Btw-specificatie
invoice-total = Totaal
invoice-kvk = KvK-nummer
invoice-vat-number = Btw-nummer
invoice-iban = IBAN
invoice-creditor-id = Incassant-ID
collection-schedule = Start op { $start }. De eerste afschrijving van { $amount } is op { $first_date }, daarna { $amount } { $interval }.
email-receipt = Betalingsbewijs: u hebt op { $paid_on } { $paid } betaald voor "{ $description }" (betaling { $payment }).
pay-link-title = Betaling
pay-link-unknown = Deze betaallink is niet geldig. Controleer of u de hele link uit de e-mail hebt geopend.
pay-link-not-due = Dit bedrag is al betaald of hoeft niet meer betaald te worden. Dank u wel.
pay-link-offline = Online betalen is nu niet mogelijk. Neem contact met ons op om dit bedrag te betalen.

## A new mandate after the bank could not use the old one (link in the email)
renew-title = Nieuwe incassomachtiging
renew-intro = Uw bank kon niet incasseren onder machtiging { $reference } voor rekening { $iban }. Vul de rekening in waarvan { $creditor } voortaan mag incasseren.
renew-waiting = Wacht op de nieuwe machtiging
renew-outstanding = Eerder niet geïncasseerd, opnieuw van de nieuwe rekening
renew-iban-hint = IBAN van de nieuwe rekening, zoals NL91 ABNA 0417 1643 00
renew-same-iban = Dit is de rekening die uw bank niet kon belasten. Vul uw nieuwe rekening in.
renew-consent = Ik geef { $creditor } een nieuwe SEPA-incassomachtiging voor deze rekening, onder de voorwaarden hierboven.
renew-submit = Nieuwe machtiging geven
renew-done-title = Dank u, uw nieuwe machtiging is bevestigd
renew-done-text = { $creditor } incasseert voortaan van rekening { $iban } onder machtigingskenmerk { $reference }. U ontvangt een bevestiging per e-mail.
renew-done-again = { $total } dat eerder niet geïncasseerd kon worden, wordt op { $date } van deze rekening geïncasseerd.
renew-given = U gaf op { $date } een nieuwe machtiging ({ $reference }, rekening { $iban }). Verder is niets nodig.
renew-not-needed = Deze machtiging hoeft niet meer vervangen te worden. Vragen? Neem contact op met { $creditor }.
renew-expired = Deze link is verlopen.
renew-contact = Neem contact op met { $creditor } om een nieuwe machtiging te geven.
renew-contact-email = Neem contact op met { $creditor } via { $email } om een nieuwe machtiging te geven.
renew-confirmed-subject = { $creditor }: uw nieuwe incassomachtiging { $reference }
renew-confirmed-intro = Dank u voor uw nieuwe incassomachtiging { $reference } voor rekening { $iban }. Deze vervangt machtiging { $old_reference }: uw abonnementen worden voortaan van deze rekening geïncasseerd.
renew-confirmed-again = Dank u voor uw nieuwe incassomachtiging { $reference } voor rekening { $iban }. Deze vervangt machtiging { $old_reference }: uw abonnementen worden voortaan van deze rekening geïncasseerd, en { $total } dat eerder niet geïncasseerd kon worden op { $date }.

## Pause, resume and cancel emails (admin)
subscription-paused-subject = { $creditor }: uw abonnement "{ $product }" is gepauzeerd
subscription-paused-intro = Uw abonnement "{ $product }" is gepauzeerd vanaf { $from }. Voor de perioden tijdens de pauze wordt niets geïncasseerd.
subscription-paused-until = Uw abonnement "{ $product }" is gepauzeerd van { $from } tot { $until }. Voor de perioden tijdens de pauze wordt niets geïncasseerd; op { $until } loopt het vanzelf weer door.
subscription-resumed-subject = { $creditor }: uw abonnement "{ $product }" loopt weer
subscription-resumed-intro = Uw abonnement "{ $product }" loopt weer vanaf { $date }: de perioden worden weer geïncasseerd zoals voorheen.
subscription-cancelled-subject = { $creditor }: bevestiging van uw opzegging van "{ $product }"
subscription-cancelled-intro = Hierbij bevestigen we de opzegging van uw abonnement "{ $product }". Het loopt tot en met { $date }; voor perioden na die dag wordt niets geïncasseerd.
subscription-cancelled-unstarted = Hierbij bevestigen we de opzegging van uw abonnement "{ $product }". Het was nog niet begonnen en er wordt niets voor geïncasseerd.
subscription-uncancelled-subject = { $creditor }: uw abonnement "{ $product }" loopt door
subscription-uncancelled-intro = De opzegging van uw abonnement "{ $product }" is ingetrokken: het loopt door zoals voorheen.

## Mandate page: bank details entered by the customer
mandate-enter-account = Vul de rekening in waarvan { $creditor } mag incasseren, en bevestig daarna de machtiging voor die rekening.
mandate-enter-account-iban-hint = Uw IBAN, zoals NL91 ABNA 0417 1643 00
email-mandate-body-enter-account = Om uw abonnement "{ $product }" ({ $amount } { $interval }) te starten, vragen wij u uw bankrekening in te vullen en de SEPA-machtiging daarvoor te bevestigen.

## A new mandate the merchant asks for (a new bank account)
mandate-asked-subject = { $creditor }: geef een nieuwe machtiging
mandate-asked-intro = { $creditor } vraagt u om een nieuwe machtiging in plaats van machtiging { $reference } voor rekening { $iban }, bijvoorbeeld voor een nieuwe bankrekening. Uw abonnement loopt gewoon door; alleen de rekening verandert.
renew-intro-asked = { $creditor } vraagt u om een nieuwe machtiging in plaats van machtiging { $reference } voor rekening { $iban }. Vul de rekening in waarvan { $creditor } voortaan mag incasseren; de oude machtiging vervalt dan.
