# Texte mit „du“ und „dein“ für Händler, die ihre Kunden duzen. Nur die Texte, die anders lauten
# als in ../de/main.ftl; jeder andere Text kommt aus dieser Datei.

mandate-intro = Bitte prüfe die folgenden Angaben und bestätige das Mandat.
mandate-consent = Mit der Bestätigung dieses Mandats ermächtigst du (A) { $creditor }, Zahlungen von deinem Konto mittels Lastschrift einzuziehen, und (B) weist dein Kreditinstitut an, die von { $creditor } auf dein Konto gezogenen Lastschriften einzulösen. Hinweis: Du kannst innerhalb von 8 Wochen, beginnend mit dem Belastungsdatum, die Erstattung des belasteten Betrages verlangen. Es gelten dabei die mit deinem Kreditinstitut vereinbarten Bedingungen.
mandate-confirmed-title = Vielen Dank, dein Mandat ist bestätigt
mandate-confirmed-text = { $creditor } zieht die Zahlungen vom Konto { $iban } unter der Mandatsreferenz { $reference } ein. Du erhältst eine Bestätigung.
mandate-already-confirmed-title = Dein Mandat ist bestätigt
mandate-already-confirmed-text = Du hast das Mandat { $reference } für das Konto { $iban } am { $date } bestätigt. Du musst nichts mehr tun.
mandate-next = { $product }: { $creditor } bucht { $amount } ab und kündigt dir jede Abbuchung vorher per E-Mail an.
mandate-declined-text = Von deinem Konto wird nichts abgebucht. War das ein Versehen? Wende dich an { $creditor }.
link-unknown = Dieser Link ist ungültig. Prüfe, ob du den vollständigen Link aus der Nachricht geöffnet hast, oder bitte das Unternehmen, das ihn geschickt hat, um einen neuen.
link-contact = Bitte wende dich für einen neuen Link an { $creditor }.
link-contact-email = Bitte wende dich für einen neuen Link an { $creditor } unter { $email }.

email-mandate-subject = { $creditor }: Bitte bestätige dein Lastschriftmandat
email-greeting = Hallo { $name },
email-mandate-body = Um dein Abonnement „{ $product }“ ({ $amount } { $interval }) zu starten, bestätige bitte das SEPA-Lastschriftmandat für das Konto { $iban }.
email-mandate-ignore = Du hast dich nicht angemeldet? Dann ignoriere diese Nachricht: Es wird nichts abgebucht.
email-confirmed-subject = { $creditor }: Dein Lastschriftmandat ist bestätigt
email-confirmed-refund = Du kannst innerhalb von 8 Wochen nach einer Belastung die Erstattung bei deiner Bank verlangen.
email-signature = Viele Grüße, { $creditor }
sms-mandate = { $creditor }: Bitte bestätige dein Lastschriftmandat für { $product }: { $link }

signup-product = Wähle dein Abonnement
signup-errors-title = Bitte korrigiere Folgendes
error-required = Fülle dieses Feld aus
error-email = Gib eine E-Mail-Adresse wie name@beispiel.de ein
error-phone = Gib eine Mobilnummer wie +49 151 23456789 ein
error-iban = Gib eine gültige IBAN ein, z. B. DE89 3704 0044 0532 0130 00
error-date = Gib ein Datum ein
error-start-date = Wähle ein Startdatum ab heute
error-product = Wähle ein Abonnement
error-consent = Setze das Häkchen, um zuzustimmen
error-too-fast = Bitte nimm dir einen Moment, um das Formular zu prüfen, und sende es dann erneut.
error-rate-limited = Gerade kamen zu viele Anmeldungen von hier. Bitte versuche es in einer Stunde erneut.

## Customer fields, shared by the sign-up page, the admin, the API and imports
field-too-long = Verwende höchstens { $max } Zeichen
customer-name-missing = Gib einen Nachnamen oder einen Firmennamen ein
email-empty = Gib eine E-Mail-Adresse ein
phone-invalid = Gib eine Telefonnummer wie +49 151 23456789 ein
phone-country-unknown = Gib die Ländervorwahl an, z. B. +32 für Belgien
country-invalid = Gib einen zweistelligen Ländercode ein, z. B. DE, AT oder NL
language-invalid = Wähle English, Nederlands, Français oder Deutsch
payment-method-invalid = Wähle Lastschrift oder manuelle Zahlung
signup-check-email-title = Schau in deine E-Mails
signup-check-email-text = Wir haben einen Link an { $email } geschickt. Öffne ihn, um dein Lastschriftmandat zu bestätigen; danach startet dein Abonnement.
signup-check-phone-title = Schau auf dein Telefon
signup-check-phone-text = Wir haben eine SMS an { $phone } geschickt. Öffne den Link darin, um dein Lastschriftmandat zu bestätigen.
signup-pay-title = Bezahle den ersten Zeitraum
signup-pay-text = Die Zahlung öffnet sich in diesem Fenster. Nach der Zahlung beginnt dein Abonnement, und die weiteren Zahlungen werden per Lastschrift eingezogen.
payment-paid-title = Vielen Dank, deine Zahlung ist eingegangen
payment-paid-text = Mit dieser ersten Zahlung ist dein Lastschriftmandat für { $creditor } bestätigt.
payment-failed-text = Deine Bank hat die Zahlung abgelehnt. Es wurde nichts abgebucht.

notice-invoice-intro = Anbei erhältst du die Rechnung { $number } für „{ $description }“.
notice-credit-intro = Anbei erhältst du die Gutschrift { $number }, die die Rechnung { $credited } storniert.
notice-contact = Fragen? Antworte auf diese E-Mail oder schreib an { $email }.
notice-retry-intro = Deine Bank hat die Lastschrift für „{ $description }“ zurückgegeben ({ $reason }). Wir versuchen es noch einmal.
dunning-intro = Wir konnten { $amount } für „{ $description }“ nicht per Lastschrift einziehen ({ $reason }). Bitte bezahle diesen Betrag online.
dunning-no-link = Wir konnten { $amount } für „{ $description }“ nicht per Lastschrift einziehen ({ $reason }). Bitte melde dich bei uns, um diesen Betrag zu bezahlen.
mandate-needed-subject = { $creditor }: Deine Lastschrift konnte nicht eingezogen werden
mandate-needed-intro = Deine Bank konnte { $amount } für „{ $description }“ unter Mandat { $reference } nicht einziehen ({ $reason }). Das Mandat ist nicht mehr nutzbar: Bitte erteile uns ein neues Mandat für dein aktuelles Konto.

## Invoice and credit-note PDFs
invoice-customer-reference = Deine Referenz
email-receipt = Zahlungsbeleg: Du hast am { $paid_on } { $paid } für „{ $description }“ bezahlt (Zahlung { $payment }).
pay-link-unknown = Dieser Zahlungslink ist ungültig. Bitte öffne den vollständigen Link aus der E-Mail.
pay-link-offline = Online-Zahlung ist derzeit nicht möglich. Bitte melde dich bei uns, um diesen Betrag zu bezahlen.

## A new mandate after the bank could not use the old one (link in the email)
renew-intro = Deine Bank konnte unter Mandat { $reference } für Konto { $iban } nicht einziehen. Gib das Konto an, von dem { $creditor } künftig einziehen darf.
renew-same-iban = Dies ist das Konto, das deine Bank nicht belasten konnte. Gib dein neues Konto an.
renew-done-title = Vielen Dank, dein neues Mandat ist bestätigt
renew-done-text = { $creditor } zieht künftig von Konto { $iban } unter der Mandatsreferenz { $reference } ein. Du erhältst eine Bestätigung per E-Mail.
renew-given = Du hast am { $date } ein neues Mandat erteilt ({ $reference }, Konto { $iban }). Sonst ist nichts nötig.
renew-not-needed = Dieses Mandat muss nicht mehr ersetzt werden. Bei Fragen wende dich an { $creditor }.
renew-contact = Bitte wende dich an { $creditor }, um ein neues Mandat zu erteilen.
renew-contact-email = Bitte wende dich unter { $email } an { $creditor }, um ein neues Mandat zu erteilen.
renew-confirmed-subject = { $creditor }: dein neues Lastschriftmandat { $reference }
renew-confirmed-intro = Vielen Dank für dein neues Lastschriftmandat { $reference } für Konto { $iban }. Es ersetzt Mandat { $old_reference }: Deine Abonnements werden künftig von diesem Konto eingezogen.
renew-confirmed-again = Vielen Dank für dein neues Lastschriftmandat { $reference } für Konto { $iban }. Es ersetzt Mandat { $old_reference }: Deine Abonnements werden künftig von diesem Konto eingezogen, und { $total }, die bisher nicht eingezogen werden konnten, am { $date }.

## Pause, resume and cancel emails (admin)
subscription-paused-subject = { $creditor }: Dein Abonnement „{ $product }“ ist pausiert
subscription-paused-intro = Dein Abonnement „{ $product }“ ist ab dem { $from } pausiert. Für die Zeiträume der Pause wird nichts eingezogen.
subscription-paused-until = Dein Abonnement „{ $product }“ ist vom { $from } bis zum { $until } pausiert. Für die Zeiträume der Pause wird nichts eingezogen; am { $until } läuft es von selbst weiter.
subscription-resumed-subject = { $creditor }: Dein Abonnement „{ $product }“ läuft weiter
subscription-resumed-intro = Dein Abonnement „{ $product }“ läuft ab dem { $date } weiter: Die Zeiträume werden wieder wie bisher eingezogen.
subscription-cancelled-subject = { $creditor }: Bestätigung deiner Kündigung von „{ $product }“
subscription-cancelled-intro = Wir bestätigen die Kündigung deines Abonnements „{ $product }“. Es läuft bis einschließlich { $date }; für Zeiträume danach wird nichts eingezogen.
subscription-cancelled-unstarted = Wir bestätigen die Kündigung deines Abonnements „{ $product }“. Es hatte noch nicht begonnen, und es wird nichts dafür eingezogen.
subscription-uncancelled-subject = { $creditor }: Dein Abonnement „{ $product }“ läuft weiter
subscription-uncancelled-intro = Die Kündigung deines Abonnements „{ $product }“ wurde zurückgenommen: Es läuft wie bisher weiter.

## Sign-up page, confirmations and the bank details entered on the mandate page
summary-title = Deine Bestellung
mandate-enter-account = Gib das Konto ein, von dem { $creditor } einziehen darf, und bestätige dann das Mandat für dieses Konto.
mandate-enter-account-iban-hint = Deine IBAN, etwa DE89 3704 0044 0532 0130 00
email-mandate-body-enter-account = Um dein Abonnement „{ $product }“ ({ $amount } { $interval }) zu starten, gib bitte dein Bankkonto ein und bestätige das SEPA-Lastschriftmandat dafür.

## A new mandate the merchant asks for (a new bank account)
mandate-asked-subject = { $creditor }: Bitte erteile ein neues Lastschriftmandat
mandate-asked-intro = { $creditor } bittet dich um ein neues Lastschriftmandat anstelle von Mandat { $reference } für Konto { $iban }, zum Beispiel für ein neues Bankkonto. Dein Abonnement läuft weiter; nur das Konto ändert sich.
renew-intro-asked = { $creditor } bittet dich um ein neues Mandat anstelle von Mandat { $reference } für Konto { $iban }. Gib das Konto an, von dem { $creditor } künftig einziehen darf; das alte Mandat endet dann.
