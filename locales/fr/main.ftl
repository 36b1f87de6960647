# Textes pour les clients : pages de mandat, e-mails et SMS.

interval-every = { $unit ->
    [day] { $count ->
        [one] par jour
       *[other] tous les { $count } jours
    }
    [week] { $count ->
        [one] par semaine
       *[other] toutes les { $count } semaines
    }
    [month] { $count ->
        [one] par mois
       *[other] tous les { $count } mois
    }
   *[year] { $count ->
        [one] par an
       *[other] tous les { $count } ans
    }
}

mandate-title = Mandat de prélèvement SEPA
mandate-intro = Vérifiez les informations ci-dessous et confirmez le mandat.
mandate-creditor = Créancier
mandate-creditor-id = Identifiant créancier
mandate-address = Adresse
mandate-reference = Référence unique du mandat
mandate-debtor = Titulaire du compte
mandate-iban = IBAN
mandate-payment-type = Type de paiement
mandate-recurrent = Paiement récurrent
mandate-product = Abonnement
mandate-amount = Montant
mandate-consent = En confirmant ce mandat, vous autorisez (A) { $creditor } à envoyer des instructions à votre banque pour débiter votre compte, et (B) votre banque à débiter votre compte conformément aux instructions de { $creditor }. Vous bénéficiez du droit d'être remboursé par votre banque selon les conditions décrites dans la convention que vous avez passée avec elle. Une demande de remboursement doit être présentée dans les 8 semaines suivant la date de débit de votre compte. Vos droits sont expliqués dans un document que vous pouvez obtenir auprès de votre banque.
mandate-confirm = J'autorise ce mandat
mandate-decline = Ce n'est pas moi / annuler
mandate-confirmed-title = Merci, votre mandat est confirmé
mandate-confirmed-text = { $creditor } prélèvera les paiements sur le compte { $iban } sous la référence de mandat { $reference }. Nous vous avons envoyé une confirmation.
mandate-declined-title = L'inscription a été annulée
mandate-declined-text = Rien ne sera prélevé sur votre compte. S'il s'agit d'une erreur, contactez { $creditor }.
link-problem-title = Ce lien ne peut pas être utilisé
link-unknown = Ce lien n'est pas valide. Vérifiez que vous avez ouvert le lien complet du message reçu, ou demandez-en un nouveau à l'entreprise qui l'a envoyé.
link-used = Ce lien a déjà été utilisé. Chaque lien ne fonctionne qu'une fois.
link-expired = Ce lien a expiré.
link-revoked = Ce lien a été retiré.
link-contact = Veuillez contacter { $creditor } pour obtenir un nouveau lien.
link-contact-email = Veuillez contacter { $creditor } à l'adresse { $email } pour obtenir un nouveau lien.
language = Langue

email-mandate-subject = { $creditor } : veuillez confirmer votre mandat de prélèvement
email-greeting = Bonjour { $name },
email-mandate-body = Pour démarrer votre abonnement « { $product } » ({ $amount } { $interval }), veuillez confirmer le mandat de prélèvement SEPA pour le compte { $iban }.
email-mandate-button = Vérifier et confirmer le mandat
email-mandate-expiry = Ce lien est valable jusqu'au { $date }.
email-mandate-ignore = Vous ne vous êtes pas inscrit ? Ignorez ce message : rien ne sera prélevé.
email-confirmed-subject = { $creditor } : votre mandat de prélèvement est confirmé
email-confirmed-body = Merci d'avoir confirmé le mandat { $reference } pour le compte { $iban }. { $creditor } prélèvera { $amount } { $interval } pour « { $product } ».
email-confirmed-refund = Vous pouvez demander à votre banque le remboursement d'un prélèvement dans les 8 semaines.
email-signature = Cordialement, { $creditor }
sms-mandate = { $creditor } : confirmez votre mandat de prélèvement pour { $product } : { $link }
