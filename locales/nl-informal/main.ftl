# Informele teksten ("je", "jouw") voor handelaren die klanten tutoyeren. Alleen de teksten die
# anders luiden dan in ../nl/main.ftl; elke andere tekst komt uit dat bestand.

mandate-consent = Door deze machtiging te bevestigen geef je toestemming aan { $creditor } om doorlopend incasso-opdrachten te sturen naar je bank om een bedrag van je rekening af te schrijven en aan je bank om doorlopend een bedrag van je rekening af te schrijven overeenkomstig de opdracht van { $creditor }. Als je het niet eens bent met deze afschrijving, kun je deze laten terugboeken. Neem hiervoor binnen 8 weken na afschrijving contact op met je bank. Vraag je bank naar de voorwaarden.
mandate-confirmed-title = Bedankt, je machtiging is bevestigd
mandate-confirmed-text = { $creditor } incasseert de betalingen van rekening { $iban } onder machtigingskenmerk { $reference }. Je ontvangt een bevestiging.
mandate-already-confirmed-title = Je machtiging is bevestigd
mandate-already-confirmed-text = Je hebt machtiging { $reference } voor rekening { $iban } op { $date } bevestigd. Je hoeft niets meer te doen.
mandate-next = { $product }: { $creditor } schrijft { $amount } af en mailt je vóór elke afschrijving een aankondiging.
mandate-declined-text = Er wordt niets van je rekening afgeschreven. Was dit een vergissing? Neem dan contact op met { $creditor }.
link-unknown = Deze link is niet geldig. Controleer of je de volledige link uit het bericht hebt geopend, of vraag het bedrijf dat de link stuurde om een nieuwe.

email-mandate-subject = { $creditor }: bevestig je machtiging voor automatische incasso
email-mandate-body = Om je abonnement "{ $product }" ({ $amount } { $interval }) te starten, vragen we je de SEPA-machtiging voor rekening { $iban } te bevestigen.
email-mandate-ignore = Heb je je niet aangemeld? Negeer dan dit bericht: er wordt niets afgeschreven.
email-confirmed-subject = { $creditor }: je machtiging is bevestigd
email-confirmed-refund = Je kunt een afschrijving binnen 8 weken via je bank laten terugboeken.
sms-mandate = { $creditor }: bevestig je machtiging voor { $product }: { $link }

signup-product = Kies je abonnement
signup-check-email-title = Kijk in je e-mail
signup-check-email-text = We hebben een link gestuurd naar { $email }. Open die om je machtiging te bevestigen; daarna start je abonnement.
signup-check-phone-title = Kijk op je telefoon
signup-check-phone-text = We hebben een sms gestuurd naar { $phone }. Open de link daarin om je machtiging te bevestigen.
signup-pay-text = De betaling opent in dit venster. Na het betalen start je abonnement en worden de volgende betalingen automatisch geïncasseerd.
page-not-found-text = De aanmeldpagina die je zoekt bestaat niet of is niet meer actief.
payment-paid-title = Bedankt, je betaling is ontvangen
payment-paid-text = Met deze eerste betaling is je machtiging voor { $creditor } bevestigd.
payment-failed-text = Je bank heeft de betaling geweigerd. Er is niets afgeschreven.

notice-invoice-intro = In de bijlage vind je factuur { $number } voor "{ $description }".
notice-credit-intro = In de bijlage vind je creditnota { $number }, die factuur { $credited } crediteert.
notice-retry-intro = Je bank heeft de incasso voor "{ $description }" teruggeboekt ({ $reason }). We proberen het nog één keer.
dunning-intro = We konden { $amount } voor "{ $description }" niet incasseren ({ $reason }). Wil je dit bedrag online betalen?
mandate-needed-subject = { $creditor }: je incasso is niet gelukt
mandate-needed-intro = Je bank kon { $amount } voor "{ $description }" niet incasseren onder machtiging { $reference } ({ $reason }). Deze machtiging is niet meer bruikbaar: geef ons een nieuwe machtiging voor je huidige rekening.

## Invoice and credit-note PDFs
invoice-customer-reference = Jouw referentie
email-receipt = Betalingsbewijs: je hebt op { $paid_on } { $paid } betaald voor "{ $description }" (betaling { $payment }).
pay-link-unknown = Deze betaallink is niet geldig. Controleer of je de hele link uit de e-mail hebt geopend.
pay-link-not-due = Dit bedrag is al betaald of hoeft niet meer betaald te worden. Dank je wel.

## A new mandate after the bank could not use the old one (link in the email)
renew-intro = Je bank kon niet incasseren onder machtiging { $reference } voor rekening { $iban }. Vul de rekening in waarvan { $creditor } voortaan mag incasseren.
renew-same-iban = Dit is de rekening die je bank niet kon belasten. Vul je nieuwe rekening in.
renew-done-title = Dank je, je nieuwe machtiging is bevestigd
renew-done-text = { $creditor } incasseert voortaan van rekening { $iban } onder machtigingskenmerk { $reference }. Je ontvangt een bevestiging per e-mail.
renew-given = Je gaf op { $date } een nieuwe machtiging ({ $reference }, rekening { $iban }). Verder is niets nodig.
renew-confirmed-subject = { $creditor }: je nieuwe incassomachtiging { $reference }
renew-confirmed-intro = Dank je voor je nieuwe incassomachtiging { $reference } voor rekening { $iban }. Deze vervangt machtiging { $old_reference }: je abonnementen worden voortaan van deze rekening geïncasseerd.
renew-confirmed-again = Dank je voor je nieuwe incassomachtiging { $reference } voor rekening { $iban }. Deze vervangt machtiging { $old_reference }: je abonnementen worden voortaan van deze rekening geïncasseerd, en { $total } dat eerder niet geïncasseerd kon worden op { $date }.

## Pause, resume and cancel emails (admin)
subscription-paused-subject = { $creditor }: je abonnement "{ $product }" is gepauzeerd
subscription-paused-intro = Je abonnement "{ $product }" is gepauzeerd vanaf { $from }. Voor de perioden tijdens de pauze wordt niets geïncasseerd.
subscription-paused-until = Je abonnement "{ $product }" is gepauzeerd van { $from } tot { $until }. Voor de perioden tijdens de pauze wordt niets geïncasseerd; op { $until } loopt het vanzelf weer door.
subscription-resumed-subject = { $creditor }: je abonnement "{ $product }" loopt weer
subscription-resumed-intro = Je abonnement "{ $product }" loopt weer vanaf { $date }: de perioden worden weer geïncasseerd zoals voorheen.
subscription-cancelled-subject = { $creditor }: bevestiging van je opzegging van "{ $product }"
subscription-cancelled-intro = Hierbij bevestigen we de opzegging van je abonnement "{ $product }". Het loopt tot en met { $date }; voor perioden na die dag wordt niets geïncasseerd.
subscription-cancelled-unstarted = Hierbij bevestigen we de opzegging van je abonnement "{ $product }". Het was nog niet begonnen en er wordt niets voor geïncasseerd.
subscription-uncancelled-subject = { $creditor }: je abonnement "{ $product }" loopt door
subscription-uncancelled-intro = De opzegging van je abonnement "{ $product }" is ingetrokken: het loopt door zoals voorheen.

## Sign-up page, confirmations and the bank details entered on the mandate page
summary-title = Je bestelling
mandate-enter-account-iban-hint = Je IBAN, zoals NL91 ABNA 0417 1643 00
email-mandate-body-enter-account = Om je abonnement "{ $product }" ({ $amount } { $interval }) te starten, vragen we je je bankrekening in te vullen en de SEPA-machtiging daarvoor te bevestigen.

## A new mandate the merchant asks for (a new bank account)
mandate-asked-intro = { $creditor } vraagt je om een nieuwe machtiging in plaats van machtiging { $reference } voor rekening { $iban }, bijvoorbeeld voor een nieuwe bankrekening. Je abonnement loopt gewoon door; alleen de rekening verandert.
renew-intro-asked = { $creditor } vraagt je om een nieuwe machtiging in plaats van machtiging { $reference } voor rekening { $iban }. Vul de rekening in waarvan { $creditor } voortaan mag incasseren; de oude machtiging vervalt dan.
