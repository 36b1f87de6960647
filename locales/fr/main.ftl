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
mandate-already-confirmed-title = Votre mandat est confirmé
mandate-already-confirmed-text = Vous avez confirmé le mandat { $reference } pour le compte { $iban } le { $date }. Vous n'avez plus rien à faire.
mandate-next = { $product } : { $creditor } prélève { $amount } et vous envoie un avis par e-mail avant chaque prélèvement.
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

signup-first-name = Prénom
signup-last-name = Nom
signup-email = Adresse e-mail
signup-phone = Numéro de mobile
signup-company = Entreprise
signup-street = Rue et numéro
signup-postal-code = Code postal
signup-city = Ville
signup-birth-date = Date de naissance
signup-product = Choisissez votre abonnement
signup-iban = IBAN
signup-account-holder = Titulaire du compte
signup-start-date = Date de début
signup-consent = J'autorise { $creditor } à prélever le montant par prélèvement SEPA. Je confirmerai le mandat via le lien que je recevrai.
signup-submit = S'inscrire
signup-submit-pay = S'inscrire et payer { $amount }
signup-submit-pay-any = S'inscrire et payer
signup-pay-now = À payer maintenant : { $amount } pour la première période.
signup-optional = (facultatif)
signup-errors-title = Veuillez corriger ce qui suit
error-required = Remplissez ce champ
error-email = Saisissez une adresse e-mail comme nom@exemple.fr
error-phone = Saisissez un numéro de mobile comme +33 6 12 34 56 78
error-iban = Saisissez un IBAN valide, comme FR14 2004 1010 0505 0001 3M02 606
error-date = Saisissez une date
error-start-date = Choisissez une date de début à partir d'aujourd'hui
error-product = Choisissez un abonnement
error-consent = Cochez la case pour donner votre accord
error-form-expired = Ce formulaire a expiré ou a déjà été envoyé. Vérifiez-le et envoyez-le à nouveau.
error-too-fast = Prenez un instant pour vérifier le formulaire, puis envoyez-le à nouveau.
error-rate-limited = Trop d'inscriptions depuis cet endroit pour le moment. Réessayez dans une heure.

## Customer fields, shared by the sign-up page, the admin, the API and imports
field-too-long = Utilisez au plus { $max } caractères
customer-name-missing = Saisissez un nom de famille ou un nom d'entreprise
email-empty = Saisissez une adresse e-mail
email-too-long = Cette adresse e-mail est trop longue
phone-invalid = Saisissez un numéro de téléphone comme +33 6 12 34 56 78
phone-country-unknown = Ajoutez l'indicatif du pays, comme +32 pour la Belgique
country-invalid = Saisissez un code pays de deux lettres, comme FR, BE ou NL
language-invalid = Choisissez English, Nederlands, Français ou Deutsch
payment-method-invalid = Choisissez le prélèvement ou le paiement manuel
signup-check-email-title = Consultez vos e-mails
signup-check-email-text = Nous avons envoyé un lien à { $email }. Ouvrez-le pour confirmer votre mandat de prélèvement ; votre abonnement commence ensuite.
signup-check-phone-title = Consultez votre téléphone
signup-check-phone-text = Nous avons envoyé un SMS au { $phone }. Ouvrez le lien qu'il contient pour confirmer votre mandat de prélèvement.
signup-pay-title = Payez la première période
signup-pay-text = Le paiement s'ouvre dans cette fenêtre. Une fois payé, votre abonnement commence et les paiements suivants sont prélevés.
signup-pay-link = Aller au paiement
footer-questions = Des questions ?
footer-privacy = Politique de confidentialité
footer-terms = Conditions générales
summary-title = Votre commande
back-to-site = Retour à { $site }
page-not-found-title = Cette page n'est pas disponible
page-not-found-text = La page d'inscription que vous cherchez n'existe pas ou n'est plus active.
payment-paid-title = Merci, votre paiement est reçu
payment-paid-text = Ce premier paiement confirme votre mandat de prélèvement pour { $creditor }.
payment-failed-title = Le paiement n'a pas abouti
payment-failed-text = Votre banque a refusé le paiement. Rien n'a été débité.
payment-cancelled-text = Le paiement a été annulé. Rien n'a été débité.
payment-expired-text = Le paiement a pris trop de temps et a expiré. Rien n'a été débité.
payment-retry = Réessayer
signup-consent-online = Je paie la première période en ligne maintenant et j'autorise { $creditor } à prélever les montants suivants par prélèvement SEPA sur le compte avec lequel je paie.

notice-subject = { $creditor } : prélèvement de { $amount } le { $date }
notice-invoice-subject = { $creditor } : facture { $number }
notice-credit-subject = { $creditor } : avoir { $number }
notice-intro = Nous vous informons à l'avance d'un prélèvement SEPA pour « { $description } ».
notice-invoice-intro = Vous trouverez ci-joint la facture { $number } pour « { $description } ».
notice-credit-intro = Vous trouverez ci-joint l'avoir { $number }, qui annule la facture { $credited }.
notice-collection = { $amount } sera prélevé sur l'IBAN { $iban } le { $date } au titre du mandat { $reference } par le créancier { $creditor_id }.
notice-period = Période : du { $start } au { $end }.
notice-contact = Des questions ? Répondez à cet e-mail ou écrivez à { $email }.
notice-retry-subject = { $creditor } : nouveau prélèvement de { $amount } le { $date }
notice-retry-intro = Votre banque a rejeté le prélèvement pour « { $description } » ({ $reason }). Nous allons réessayer une fois.
dunning-subject = { $creditor } : le paiement de { $amount } a échoué
dunning-intro = Nous n'avons pas pu prélever { $amount } pour « { $description } » ({ $reason }). Merci de payer ce montant en ligne.
dunning-no-link = Nous n'avons pas pu prélever { $amount } pour « { $description } » ({ $reason }). Merci de nous contacter pour payer ce montant.
dunning-pay = Payer { $amount } maintenant
mandate-needed-subject = { $creditor } : votre prélèvement n'a pas pu être effectué
mandate-needed-intro = Votre banque n'a pas pu prélever { $amount } pour « { $description } » sous le mandat { $reference } ({ $reason }). Ce mandat n'est plus utilisable : merci de nous donner un nouveau mandat pour votre compte actuel.
mandate-needed-action = Donner un nouveau mandat

## Invoice and credit-note PDFs
invoice-title = Facture
invoice-credit-note-title = Avoir
invoice-number = Numéro de facture
invoice-credit-note-number = Numéro d'avoir
invoice-date = Date de facture
invoice-credit-note-date = Date de l'avoir
invoice-supply-period = Période de prestation
invoice-customer-reference = Votre référence
invoice-corrects = Rectifie la facture
invoice-credit-reason = Motif
invoice-supplier = Fournisseur
invoice-customer = Client
invoice-description = Désignation
invoice-period = Période
invoice-excl-vat = HT
invoice-vat-rate = Taux de TVA
invoice-vat = TVA
invoice-incl-vat = TTC
invoice-vat-summary = Récapitulatif TVA
invoice-total = Total TTC
invoice-kvk = N° KvK
invoice-vat-number = N° de TVA
invoice-iban = IBAN
invoice-creditor-id = ICS
collection-schedule = Début le { $start }. Le premier prélèvement de { $amount } aura lieu le { $first_date }, puis { $amount } { $interval }.
email-receipt = Reçu : vous avez payé { $paid } le { $paid_on } pour « { $description } » (paiement { $payment }).
pay-link-title = Paiement
pay-link-unknown = Ce lien de paiement n'est pas valide. Vérifiez que vous avez ouvert le lien complet de l'e-mail.
pay-link-not-due = Ce montant a déjà été payé ou n'est plus dû. Merci.
pay-link-offline = Le paiement en ligne n'est pas disponible pour le moment. Merci de nous contacter pour payer ce montant.

## A new mandate after the bank could not use the old one (link in the email)
renew-title = Nouveau mandat de prélèvement
renew-intro = Votre banque n'a pas pu prélever sous le mandat { $reference } pour le compte { $iban }. Indiquez le compte sur lequel { $creditor } pourra prélever désormais.
renew-waiting = En attente du nouveau mandat
renew-outstanding = Non prélevé auparavant, prélevé à nouveau sur le nouveau compte
renew-iban-hint = L'IBAN du nouveau compte, par exemple FR76 3000 6000 0112 3456 7890 189
renew-same-iban = C'est le compte que votre banque n'a pas pu débiter. Indiquez votre nouveau compte.
renew-consent = Je donne à { $creditor } un nouveau mandat de prélèvement SEPA pour ce compte, aux conditions ci-dessus.
renew-submit = Donner le nouveau mandat
renew-done-title = Merci, votre nouveau mandat est confirmé
renew-done-text = { $creditor } prélève désormais sur le compte { $iban } sous la référence de mandat { $reference }. Vous recevez une confirmation par e-mail.
renew-done-again = { $total } qui n'a pas pu être prélevé sera prélevé sur ce compte le { $date }.
renew-given = Vous avez donné un nouveau mandat ({ $reference }, compte { $iban }) le { $date }. Rien d'autre n'est nécessaire.
renew-not-needed = Ce mandat n'a plus besoin d'être remplacé. Pour toute question, contactez { $creditor }.
renew-expired = Ce lien a expiré.
renew-contact = Veuillez contacter { $creditor } pour donner un nouveau mandat.
renew-contact-email = Veuillez contacter { $creditor } à l'adresse { $email } pour donner un nouveau mandat.
renew-confirmed-subject = { $creditor } : votre nouveau mandat de prélèvement { $reference }
renew-confirmed-intro = Merci pour votre nouveau mandat de prélèvement { $reference } pour le compte { $iban }. Il remplace le mandat { $old_reference } : vos abonnements sont désormais prélevés sur ce compte.
renew-confirmed-again = Merci pour votre nouveau mandat de prélèvement { $reference } pour le compte { $iban }. Il remplace le mandat { $old_reference } : vos abonnements sont désormais prélevés sur ce compte, et { $total } qui n'a pas pu être prélevé le sera le { $date }.

## Pause, resume and cancel emails (admin)
subscription-paused-subject = { $creditor } : votre abonnement « { $product } » est suspendu
subscription-paused-intro = Votre abonnement « { $product } » est suspendu à partir du { $from }. Rien n'est prélevé pour les périodes de la suspension.
subscription-paused-until = Votre abonnement « { $product } » est suspendu du { $from } au { $until }. Rien n'est prélevé pour les périodes de la suspension ; il reprend de lui-même le { $until }.
subscription-resumed-subject = { $creditor } : votre abonnement « { $product } » reprend
subscription-resumed-intro = Votre abonnement « { $product } » reprend à partir du { $date } : ses périodes sont de nouveau prélevées comme avant.
subscription-cancelled-subject = { $creditor } : confirmation de votre résiliation de « { $product } »
subscription-cancelled-intro = Nous confirmons la résiliation de votre abonnement « { $product } ». Il court jusqu'au { $date } inclus ; rien n'est prélevé pour les périodes après ce jour.
subscription-cancelled-unstarted = Nous confirmons la résiliation de votre abonnement « { $product } ». Il n'avait pas commencé, et rien n'est prélevé.
subscription-uncancelled-subject = { $creditor } : votre abonnement « { $product } » continue
subscription-uncancelled-intro = La résiliation de votre abonnement « { $product } » a été annulée : il continue comme avant.

## Mandate page: bank details entered by the customer
mandate-enter-account = Saisissez le compte sur lequel { $creditor } peut prélever, puis confirmez le mandat pour ce compte.
mandate-enter-account-iban-hint = Votre IBAN, par exemple FR76 3000 6000 0112 3456 7890 189
email-mandate-body-enter-account = Pour démarrer votre abonnement « { $product } » ({ $amount } { $interval }), veuillez saisir votre compte bancaire et confirmer le mandat de prélèvement SEPA pour ce compte.

## A new mandate the merchant asks for (a new bank account)
mandate-asked-subject = { $creditor } : merci de donner un nouveau mandat de prélèvement
mandate-asked-intro = { $creditor } vous demande un nouveau mandat de prélèvement à la place du mandat { $reference } pour le compte { $iban }, par exemple pour un nouveau compte bancaire. Votre abonnement continue ; seul le compte change.
renew-intro-asked = { $creditor } vous demande un nouveau mandat à la place du mandat { $reference } pour le compte { $iban }. Saisissez le compte sur lequel { $creditor } pourra désormais prélever ; l'ancien mandat prend alors fin.
