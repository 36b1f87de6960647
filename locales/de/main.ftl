# Texte für Kunden: Mandatsseiten, E-Mails und SMS.

interval-every = { $unit ->
    [day] { $count ->
        [one] täglich
       *[other] alle { $count } Tage
    }
    [week] { $count ->
        [one] wöchentlich
       *[other] alle { $count } Wochen
    }
    [month] { $count ->
        [one] monatlich
       *[other] alle { $count } Monate
    }
   *[year] { $count ->
        [one] jährlich
       *[other] alle { $count } Jahre
    }
}

mandate-title = SEPA-Lastschriftmandat
mandate-intro = Bitte prüfen Sie die folgenden Angaben und bestätigen Sie das Mandat.
mandate-creditor = Zahlungsempfänger
mandate-creditor-id = Gläubiger-Identifikationsnummer
mandate-address = Anschrift
mandate-reference = Mandatsreferenz
mandate-debtor = Kontoinhaber
mandate-iban = IBAN
mandate-payment-type = Zahlungsart
mandate-recurrent = Wiederkehrende Zahlung
mandate-product = Abonnement
mandate-amount = Betrag
mandate-consent = Mit der Bestätigung dieses Mandats ermächtigen Sie (A) { $creditor }, Zahlungen von Ihrem Konto mittels Lastschrift einzuziehen, und (B) weisen Ihr Kreditinstitut an, die von { $creditor } auf Ihr Konto gezogenen Lastschriften einzulösen. Hinweis: Sie können innerhalb von 8 Wochen, beginnend mit dem Belastungsdatum, die Erstattung des belasteten Betrages verlangen. Es gelten dabei die mit Ihrem Kreditinstitut vereinbarten Bedingungen.
mandate-confirm = Ich erteile dieses Mandat
mandate-decline = Das bin ich nicht / abbrechen
mandate-confirmed-title = Vielen Dank, Ihr Mandat ist bestätigt
mandate-confirmed-text = { $creditor } zieht die Zahlungen vom Konto { $iban } unter der Mandatsreferenz { $reference } ein. Sie erhalten eine Bestätigung.
mandate-already-confirmed-title = Ihr Mandat ist bestätigt
mandate-already-confirmed-text = Sie haben das Mandat { $reference } für das Konto { $iban } am { $date } bestätigt. Sie müssen nichts mehr tun.
mandate-next = { $product }: { $creditor } bucht { $amount } ab und kündigt Ihnen jede Abbuchung vorher per E-Mail an.
mandate-declined-title = Die Anmeldung wurde abgebrochen
mandate-declined-text = Von Ihrem Konto wird nichts abgebucht. War das ein Versehen? Wenden Sie sich an { $creditor }.
link-problem-title = Dieser Link kann nicht verwendet werden
link-unknown = Dieser Link ist ungültig. Prüfen Sie, ob Sie den vollständigen Link aus der Nachricht geöffnet haben, oder bitten Sie das Unternehmen, das ihn geschickt hat, um einen neuen.
link-used = Dieser Link wurde bereits verwendet. Jeder Link funktioniert nur einmal.
link-expired = Dieser Link ist abgelaufen.
link-revoked = Dieser Link wurde zurückgezogen.
link-contact = Bitte wenden Sie sich für einen neuen Link an { $creditor }.
link-contact-email = Bitte wenden Sie sich für einen neuen Link an { $creditor } unter { $email }.
language = Sprache

email-mandate-subject = { $creditor }: Bitte bestätigen Sie Ihr Lastschriftmandat
email-greeting = Guten Tag { $name },
email-mandate-body = Um Ihr Abonnement „{ $product }“ ({ $amount } { $interval }) zu starten, bestätigen Sie bitte das SEPA-Lastschriftmandat für das Konto { $iban }.
email-mandate-button = Mandat prüfen und bestätigen
email-mandate-expiry = Dieser Link ist gültig bis { $date }.
email-mandate-ignore = Sie haben sich nicht angemeldet? Dann ignorieren Sie diese Nachricht: Es wird nichts abgebucht.
email-confirmed-subject = { $creditor }: Ihr Lastschriftmandat ist bestätigt
email-confirmed-body = Vielen Dank für die Bestätigung des Mandats { $reference } für das Konto { $iban }. { $creditor } zieht { $amount } { $interval } für „{ $product }“ ein.
email-confirmed-refund = Sie können innerhalb von 8 Wochen nach einer Belastung die Erstattung bei Ihrer Bank verlangen.
email-signature = Mit freundlichen Grüßen, { $creditor }
sms-mandate = { $creditor }: Bitte bestätigen Sie Ihr Lastschriftmandat für { $product }: { $link }

signup-first-name = Vorname
signup-last-name = Nachname
signup-email = E-Mail-Adresse
signup-phone = Mobilnummer
signup-company = Firma
signup-street = Straße und Hausnummer
signup-postal-code = Postleitzahl
signup-city = Ort
signup-birth-date = Geburtsdatum
signup-product = Wählen Sie Ihr Abonnement
signup-iban = IBAN
signup-account-holder = Kontoinhaber
signup-start-date = Startdatum
signup-consent = Ich ermächtige { $creditor }, den Betrag per SEPA-Lastschrift einzuziehen. Ich bestätige das Mandat über den Link, den ich erhalte.
signup-submit = Anmelden
signup-submit-pay = Anmelden und { $amount } bezahlen
signup-submit-pay-any = Anmelden und bezahlen
signup-pay-now = Jetzt zu bezahlen: { $amount } für den ersten Zeitraum.
signup-optional = (optional)
signup-errors-title = Bitte korrigieren Sie Folgendes
error-required = Füllen Sie dieses Feld aus
error-email = Geben Sie eine E-Mail-Adresse wie name@beispiel.de ein
error-phone = Geben Sie eine Mobilnummer wie +49 151 23456789 ein
error-iban = Geben Sie eine gültige IBAN ein, z. B. DE89 3704 0044 0532 0130 00
error-date = Geben Sie ein Datum ein
error-start-date = Wählen Sie ein Startdatum ab heute
error-product = Wählen Sie ein Abonnement
error-consent = Setzen Sie das Häkchen, um zuzustimmen
error-form-expired = Dieses Formular ist abgelaufen oder wurde bereits gesendet. Bitte prüfen und erneut senden.
error-too-fast = Bitte nehmen Sie sich einen Moment, um das Formular zu prüfen, und senden Sie es dann erneut.
error-rate-limited = Gerade kamen zu viele Anmeldungen von hier. Bitte versuchen Sie es in einer Stunde erneut.

## Customer fields, shared by the sign-up page, the admin, the API and imports
field-too-long = Verwenden Sie höchstens { $max } Zeichen
customer-name-missing = Geben Sie einen Nachnamen oder einen Firmennamen ein
email-empty = Geben Sie eine E-Mail-Adresse ein
email-too-long = Diese E-Mail-Adresse ist zu lang
phone-invalid = Geben Sie eine Telefonnummer wie +49 151 23456789 ein
phone-country-unknown = Geben Sie die Ländervorwahl an, z. B. +32 für Belgien
country-invalid = Geben Sie einen zweistelligen Ländercode ein, z. B. DE, AT oder NL
language-invalid = Wählen Sie English, Nederlands, Français oder Deutsch
payment-method-invalid = Wählen Sie Lastschrift oder manuelle Zahlung
signup-check-email-title = Sehen Sie in Ihre E-Mails
signup-check-email-text = Wir haben einen Link an { $email } geschickt. Öffnen Sie ihn, um Ihr Lastschriftmandat zu bestätigen; danach startet Ihr Abonnement.
signup-check-phone-title = Sehen Sie auf Ihr Telefon
signup-check-phone-text = Wir haben eine SMS an { $phone } geschickt. Öffnen Sie den Link darin, um Ihr Lastschriftmandat zu bestätigen.
signup-pay-title = Zahlen Sie den ersten Zeitraum
signup-pay-text = Die Zahlung öffnet sich in diesem Fenster. Nach der Zahlung beginnt Ihr Abonnement, und die weiteren Zahlungen werden per Lastschrift eingezogen.
signup-pay-link = Zur Zahlung
footer-questions = Fragen?
footer-privacy = Datenschutzerklärung
footer-terms = Allgemeine Geschäftsbedingungen
summary-title = Ihre Bestellung
back-to-site = Zurück zu { $site }
page-not-found-title = Diese Seite ist nicht verfügbar
page-not-found-text = Die gesuchte Anmeldeseite gibt es nicht oder sie ist nicht mehr aktiv.
payment-paid-title = Vielen Dank, Ihre Zahlung ist eingegangen
payment-paid-text = Mit dieser ersten Zahlung ist Ihr Lastschriftmandat für { $creditor } bestätigt.
payment-failed-title = Die Zahlung ist nicht gelungen
payment-failed-text = Ihre Bank hat die Zahlung abgelehnt. Es wurde nichts abgebucht.
payment-cancelled-text = Die Zahlung wurde abgebrochen. Es wurde nichts abgebucht.
payment-expired-text = Die Zahlung hat zu lange gedauert und ist abgelaufen. Es wurde nichts abgebucht.
payment-retry = Erneut versuchen
signup-consent-online = Ich bezahle den ersten Zeitraum jetzt online und ermächtige { $creditor }, die folgenden Beträge per SEPA-Lastschrift von dem Konto einzuziehen, mit dem ich bezahle.

notice-subject = { $creditor }: Lastschrift über { $amount } am { $date }
notice-invoice-subject = { $creditor }: Rechnung { $number }
notice-credit-subject = { $creditor }: Gutschrift { $number }
notice-intro = Hiermit kündigen wir eine SEPA-Lastschrift für „{ $description }“ an.
notice-invoice-intro = Anbei erhalten Sie die Rechnung { $number } für „{ $description }“.
notice-credit-intro = Anbei erhalten Sie die Gutschrift { $number }, die die Rechnung { $credited } storniert.
notice-collection = { $amount } wird am { $date } vom IBAN { $iban } unter der Mandatsreferenz { $reference } mit der Gläubiger-ID { $creditor_id } eingezogen.
notice-period = Zeitraum: { $start } bis { $end }.
notice-contact = Fragen? Antworten Sie auf diese E-Mail oder schreiben Sie an { $email }.
notice-retry-subject = { $creditor }: neue Lastschrift über { $amount } am { $date }
notice-retry-intro = Ihre Bank hat die Lastschrift für „{ $description }“ zurückgegeben ({ $reason }). Wir versuchen es noch einmal.
dunning-subject = { $creditor }: Zahlung über { $amount } fehlgeschlagen
dunning-intro = Wir konnten { $amount } für „{ $description }“ nicht per Lastschrift einziehen ({ $reason }). Bitte bezahlen Sie diesen Betrag online.
dunning-no-link = Wir konnten { $amount } für „{ $description }“ nicht per Lastschrift einziehen ({ $reason }). Bitte kontaktieren Sie uns, um diesen Betrag zu bezahlen.
dunning-pay = { $amount } jetzt bezahlen
mandate-needed-subject = { $creditor }: Ihre Lastschrift konnte nicht eingezogen werden
mandate-needed-intro = Ihre Bank konnte { $amount } für „{ $description }“ unter Mandat { $reference } nicht einziehen ({ $reason }). Das Mandat ist nicht mehr nutzbar: Bitte erteilen Sie uns ein neues Mandat für Ihr aktuelles Konto.
mandate-needed-action = Neues Mandat erteilen

## Invoice and credit-note PDFs
invoice-title = Rechnung
invoice-credit-note-title = Gutschrift
invoice-number = Rechnungsnummer
invoice-credit-note-number = Gutschriftsnummer
invoice-date = Rechnungsdatum
invoice-credit-note-date = Gutschriftsdatum
invoice-supply-period = Leistungszeitraum
invoice-customer-reference = Ihre Referenz
invoice-corrects = Korrektur zu Rechnung
invoice-credit-reason = Grund
invoice-supplier = Leistungserbringer
invoice-customer = Kunde
invoice-description = Beschreibung
invoice-period = Zeitraum
invoice-excl-vat = Netto
invoice-vat-rate = USt.-Satz
invoice-vat = USt.
invoice-incl-vat = Brutto
invoice-vat-summary = USt.-Übersicht
invoice-total = Gesamtbetrag
invoice-kvk = KvK-Nummer
invoice-vat-number = USt-IdNr.
invoice-iban = IBAN
invoice-creditor-id = Gläubiger-ID
collection-schedule = Beginn am { $start }. Die erste Abbuchung von { $amount } erfolgt am { $first_date }, danach { $amount } { $interval }.
email-receipt = Zahlungsbeleg: Sie haben am { $paid_on } { $paid } für „{ $description }“ bezahlt (Zahlung { $payment }).
pay-link-title = Zahlung
pay-link-unknown = Dieser Zahlungslink ist ungültig. Bitte öffnen Sie den vollständigen Link aus der E-Mail.
pay-link-not-due = Dieser Betrag wurde bereits bezahlt oder muss nicht mehr bezahlt werden. Vielen Dank.
pay-link-offline = Online-Zahlung ist derzeit nicht möglich. Bitte kontaktieren Sie uns, um diesen Betrag zu bezahlen.

## A new mandate after the bank could not use the old one (link in the email)
renew-title = Neues Lastschriftmandat
renew-intro = Ihre Bank konnte unter Mandat { $reference } für Konto { $iban } nicht einziehen. Geben Sie das Konto an, von dem { $creditor } künftig einziehen darf.
renew-waiting = Wartet auf das neue Mandat
renew-outstanding = Bisher nicht eingezogen, wird vom neuen Konto erneut eingezogen
renew-iban-hint = Die IBAN des neuen Kontos, etwa DE89 3704 0044 0532 0130 00
renew-same-iban = Dies ist das Konto, das Ihre Bank nicht belasten konnte. Geben Sie Ihr neues Konto an.
renew-consent = Ich erteile { $creditor } ein neues SEPA-Lastschriftmandat für dieses Konto zu den obigen Bedingungen.
renew-submit = Neues Mandat erteilen
renew-done-title = Vielen Dank, Ihr neues Mandat ist bestätigt
renew-done-text = { $creditor } zieht künftig von Konto { $iban } unter der Mandatsreferenz { $reference } ein. Sie erhalten eine Bestätigung per E-Mail.
renew-done-again = { $total }, die bisher nicht eingezogen werden konnten, werden am { $date } von diesem Konto eingezogen.
renew-given = Sie haben am { $date } ein neues Mandat erteilt ({ $reference }, Konto { $iban }). Sonst ist nichts nötig.
renew-not-needed = Dieses Mandat muss nicht mehr ersetzt werden. Bei Fragen wenden Sie sich an { $creditor }.
renew-expired = Dieser Link ist abgelaufen.
renew-contact = Bitte wenden Sie sich an { $creditor }, um ein neues Mandat zu erteilen.
renew-contact-email = Bitte wenden Sie sich unter { $email } an { $creditor }, um ein neues Mandat zu erteilen.
renew-confirmed-subject = { $creditor }: Ihr neues Lastschriftmandat { $reference }
renew-confirmed-intro = Vielen Dank für Ihr neues Lastschriftmandat { $reference } für Konto { $iban }. Es ersetzt Mandat { $old_reference }: Ihre Abonnements werden künftig von diesem Konto eingezogen.
renew-confirmed-again = Vielen Dank für Ihr neues Lastschriftmandat { $reference } für Konto { $iban }. Es ersetzt Mandat { $old_reference }: Ihre Abonnements werden künftig von diesem Konto eingezogen, und { $total }, die bisher nicht eingezogen werden konnten, am { $date }.

## Pause, resume and cancel emails (admin)
subscription-paused-subject = { $creditor }: Ihr Abonnement „{ $product }“ ist pausiert
subscription-paused-intro = Ihr Abonnement „{ $product }“ ist ab dem { $from } pausiert. Für die Zeiträume der Pause wird nichts eingezogen.
subscription-paused-until = Ihr Abonnement „{ $product }“ ist vom { $from } bis zum { $until } pausiert. Für die Zeiträume der Pause wird nichts eingezogen; am { $until } läuft es von selbst weiter.
subscription-resumed-subject = { $creditor }: Ihr Abonnement „{ $product }“ läuft weiter
subscription-resumed-intro = Ihr Abonnement „{ $product }“ läuft ab dem { $date } weiter: Die Zeiträume werden wieder wie bisher eingezogen.
subscription-cancelled-subject = { $creditor }: Bestätigung Ihrer Kündigung von „{ $product }“
subscription-cancelled-intro = Wir bestätigen die Kündigung Ihres Abonnements „{ $product }“. Es läuft bis einschließlich { $date }; für Zeiträume danach wird nichts eingezogen.
subscription-cancelled-unstarted = Wir bestätigen die Kündigung Ihres Abonnements „{ $product }“. Es hatte noch nicht begonnen, und es wird nichts dafür eingezogen.
subscription-uncancelled-subject = { $creditor }: Ihr Abonnement „{ $product }“ läuft weiter
subscription-uncancelled-intro = Die Kündigung Ihres Abonnements „{ $product }“ wurde zurückgenommen: Es läuft wie bisher weiter.

## Mandate page: bank details entered by the customer
mandate-enter-account = Geben Sie das Konto ein, von dem { $creditor } einziehen darf, und bestätigen Sie dann das Mandat für dieses Konto.
mandate-enter-account-iban-hint = Ihre IBAN, etwa DE89 3704 0044 0532 0130 00
email-mandate-body-enter-account = Um Ihr Abonnement „{ $product }“ ({ $amount } { $interval }) zu starten, geben Sie bitte Ihr Bankkonto ein und bestätigen Sie das SEPA-Lastschriftmandat dafür.

## A new mandate the merchant asks for (a new bank account)
mandate-asked-subject = { $creditor }: Bitte erteilen Sie ein neues Lastschriftmandat
mandate-asked-intro = { $creditor } bittet Sie um ein neues Lastschriftmandat anstelle von Mandat { $reference } für Konto { $iban }, zum Beispiel für ein neues Bankkonto. Ihr Abonnement läuft weiter; nur das Konto ändert sich.
renew-intro-asked = { $creditor } bittet Sie um ein neues Mandat anstelle von Mandat { $reference } für Konto { $iban }. Geben Sie das Konto an, von dem { $creditor } künftig einziehen darf; das alte Mandat endet dann.
