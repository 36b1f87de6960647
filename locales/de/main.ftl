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
