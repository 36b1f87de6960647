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
