# Customer-facing text: mandate pages, emails and text messages.

interval-every = { $unit ->
    [day] { $count ->
        [one] every day
       *[other] every { $count } days
    }
    [week] { $count ->
        [one] every week
       *[other] every { $count } weeks
    }
    [month] { $count ->
        [one] every month
       *[other] every { $count } months
    }
   *[year] { $count ->
        [one] every year
       *[other] every { $count } years
    }
}

mandate-title = SEPA Direct Debit Mandate
mandate-intro = Please check the details below and confirm the mandate.
mandate-creditor = Creditor
mandate-creditor-id = Creditor identifier
mandate-address = Address
mandate-reference = Mandate reference
mandate-debtor = Account holder
mandate-iban = IBAN
mandate-payment-type = Type of payment
mandate-recurrent = Recurrent payment
mandate-product = Subscription
mandate-amount = Amount
mandate-consent = By confirming this mandate, you authorise (A) { $creditor } to send instructions to your bank to debit your account and (B) your bank to debit your account in accordance with the instructions from { $creditor }. As part of your rights, you are entitled to a refund from your bank under the terms and conditions of your agreement with your bank. A refund must be claimed within 8 weeks starting from the date on which your account was debited. Your rights are explained in a statement that you can obtain from your bank.
mandate-confirm = I authorise this mandate
mandate-decline = This is not me / cancel
mandate-confirmed-title = Thank you, your mandate is confirmed
mandate-confirmed-text = { $creditor } will collect the payments from account { $iban } under mandate reference { $reference }. We have sent you a confirmation.
mandate-already-confirmed-title = Your mandate is confirmed
mandate-already-confirmed-text = You confirmed mandate { $reference } for account { $iban } on { $date }. There is nothing more to do.
mandate-next = { $product }: { $creditor } collects { $amount } and emails you a notice before each collection.
mandate-declined-title = The sign-up has been cancelled
mandate-declined-text = Nothing will be debited from your account. If this was a mistake, contact { $creditor }.
link-problem-title = This link cannot be used
link-unknown = This link is not valid. Check that you opened the whole link from the message you received, or ask the company that sent it for a new one.
link-used = This link has already been used. Each link works only once.
link-expired = This link has expired.
link-revoked = This link has been withdrawn.
link-contact = Please contact { $creditor } for a new link.
link-contact-email = Please contact { $creditor } at { $email } for a new link.
language = Language

email-mandate-subject = { $creditor }: please confirm your direct debit mandate
email-greeting = Dear { $name },
email-mandate-body = To start your subscription "{ $product }" ({ $amount } { $interval }), please confirm the SEPA direct debit mandate for account { $iban }.
email-mandate-button = Review and confirm the mandate
email-mandate-expiry = This link is valid until { $date }.
email-mandate-ignore = Did you not sign up? Then ignore this message: nothing will be debited.
email-confirmed-subject = { $creditor }: your direct debit mandate is confirmed
email-confirmed-body = Thank you for confirming mandate { $reference } for account { $iban }. { $creditor } will collect { $amount } { $interval } for "{ $product }".
email-confirmed-refund = You can ask your bank for a refund within 8 weeks of a debit.
email-signature = Kind regards, { $creditor }
sms-mandate = { $creditor }: please confirm your direct debit mandate for { $product }: { $link }

signup-first-name = First name
signup-last-name = Last name
signup-email = Email address
signup-phone = Mobile number
signup-company = Company
signup-street = Street and number
signup-postal-code = Postal code
signup-city = City
signup-birth-date = Date of birth
signup-product = Choose your subscription
signup-iban = IBAN
signup-account-holder = Account holder
signup-start-date = Start date
signup-consent = I authorise { $creditor } to collect the amount by SEPA direct debit. I will confirm the mandate through the link I receive.
signup-submit = Sign up
signup-submit-pay = Sign up and pay { $amount }
signup-submit-pay-any = Sign up and pay
signup-pay-now = To pay now: { $amount } for the first period.
signup-optional = (optional)
signup-errors-title = Please correct the following
error-required = Fill in this field
error-email = Enter an email address like name@example.com
error-phone = Enter a mobile number like 06 12345678 or +32 470 12 34 56
error-iban = Enter a valid IBAN, like NL91 ABNA 0417 1643 00
error-date = Enter a date
error-start-date = Choose a start date from today on
error-product = Choose a subscription
error-consent = Tick the box to give your consent
error-form-expired = This form has expired or was already sent. Please check it and send it again.
error-too-fast = Please take a moment to check the form, then send it again.
error-rate-limited = Too many sign-ups from here just now. Please try again in an hour.

## Customer fields, shared by the sign-up page, the admin, the API and imports
field-too-long = Use at most { $max } characters
customer-name-missing = Enter a last name or a company name
email-empty = Enter an email address
email-too-long = This email address is too long
phone-invalid = Enter a phone number like +31 6 12345678 or 06 12345678
phone-country-unknown = Add the country code, like +32 for Belgium
country-invalid = Enter a two-letter country code, like NL, BE or DE
language-invalid = Choose English, Nederlands, Français or Deutsch
payment-method-invalid = Choose direct debit or manual payment
signup-check-email-title = Check your email
signup-check-email-text = We sent a link to { $email }. Open it to confirm your direct debit mandate; your subscription starts once you have.
signup-check-phone-title = Check your phone
signup-check-phone-text = We sent a text message to { $phone }. Open the link in it to confirm your direct debit mandate.
signup-pay-title = Pay the first period
signup-pay-text = The payment opens in this window. After paying, your subscription starts and the later payments are collected by direct debit.
signup-pay-link = Go to the payment
footer-questions = Questions?
footer-privacy = Privacy statement
footer-terms = Terms and conditions
summary-title = What you ordered
back-to-site = Back to { $site }
page-not-found-title = This page is not available
page-not-found-text = The sign-up page you are looking for does not exist or is no longer active.
payment-paid-title = Thank you, your payment is received
payment-paid-text = Your direct debit mandate for { $creditor } is confirmed by this first payment.
payment-failed-title = The payment did not go through
payment-failed-text = Your bank refused the payment. Nothing was charged.
payment-cancelled-text = The payment was cancelled. Nothing was charged.
payment-expired-text = The payment took too long and expired. Nothing was charged.
payment-retry = Try again
signup-consent-online = I pay the first period online now, and authorise { $creditor } to collect the following amounts by SEPA direct debit from the account I pay with.

notice-subject = { $creditor }: direct debit of { $amount } on { $date }
notice-invoice-subject = { $creditor }: invoice { $number }
notice-credit-subject = { $creditor }: credit note { $number }
notice-intro = This is advance notice of a SEPA direct debit for "{ $description }".
notice-invoice-intro = Attached is invoice { $number } for "{ $description }".
notice-credit-intro = Attached is credit note { $number }, which cancels invoice { $credited }.
notice-collection = { $amount } will be collected from IBAN { $iban } on { $date } under mandate reference { $reference } by creditor ID { $creditor_id }.
notice-period = Period: { $start } to { $end }.
notice-contact = Questions? Reply to this email or write to { $email }.
notice-retry-subject = { $creditor }: new direct debit of { $amount } on { $date }
notice-retry-intro = Your bank returned the direct debit for "{ $description }" ({ $reason }). We will try once more.
dunning-subject = { $creditor }: payment of { $amount } failed
dunning-intro = We could not collect { $amount } for "{ $description }" by direct debit ({ $reason }). Please pay this amount online.
dunning-no-link = We could not collect { $amount } for "{ $description }" by direct debit ({ $reason }). Please contact us to pay this amount.
dunning-pay = Pay { $amount } now
mandate-needed-subject = { $creditor }: your direct debit could not be collected
mandate-needed-intro = Your bank could not collect { $amount } for "{ $description }" under mandate { $reference } ({ $reason }). The mandate can no longer be used: please give us a new one for your current bank account.
mandate-needed-action = Give a new mandate

## Invoice and credit-note PDFs
invoice-title = Invoice
invoice-credit-note-title = Credit note
invoice-number = Invoice number
invoice-credit-note-number = Credit note number
invoice-date = Invoice date
invoice-credit-note-date = Credit note date
invoice-supply-period = Supply period
invoice-customer-reference = Your reference
invoice-corrects = Corrects invoice
invoice-credit-reason = Reason
invoice-supplier = Supplier
invoice-customer = Customer
invoice-description = Description
invoice-period = Period
invoice-excl-vat = Excl. VAT
invoice-vat-rate = VAT rate
invoice-vat = VAT
invoice-incl-vat = Incl. VAT
invoice-vat-summary = VAT summary
invoice-total = Total
invoice-kvk = KvK number
invoice-vat-number = VAT number
invoice-iban = IBAN
invoice-creditor-id = Creditor ID
collection-schedule = Starts on { $start }. The first collection of { $amount } is on { $first_date }, then { $amount } { $interval }.
email-receipt = Receipt: you paid { $paid } on { $paid_on } for "{ $description }" (payment { $payment }).
pay-link-title = Payment
pay-link-unknown = This payment link is not valid. Check that you opened the whole link from the email.
pay-link-not-due = This amount has been paid already or no longer needs paying. Thank you.
pay-link-offline = Online payment is not available at the moment. Please contact us to pay this amount.

## A new mandate after the bank could not use the old one (link in the email)
renew-title = New direct debit mandate
renew-intro = Your bank could not collect under mandate { $reference } for account { $iban }. Enter the account { $creditor } may collect from from now on.
renew-waiting = Waiting for the new mandate
renew-outstanding = Not collected before, collected again from the new account
renew-iban-hint = The new account's IBAN, like NL91 ABNA 0417 1643 00
renew-same-iban = This is the account your bank could not debit. Enter your new account.
renew-consent = I give { $creditor } a new SEPA direct debit mandate for this account, on the terms above.
renew-submit = Give the new mandate
renew-done-title = Thank you, your new mandate is confirmed
renew-done-text = { $creditor } collects from account { $iban } under mandate reference { $reference } from now on. We have sent you a confirmation.
renew-done-again = { $total } that could not be collected before will be collected from this account on { $date }.
renew-given = You gave a new mandate ({ $reference }, account { $iban }) on { $date }. Nothing else is needed.
renew-not-needed = This mandate no longer needs replacing. If you have questions, contact { $creditor }.
renew-expired = This link has expired.
renew-contact = Please contact { $creditor } to give a new mandate.
renew-contact-email = Please contact { $creditor } at { $email } to give a new mandate.
renew-confirmed-subject = { $creditor }: your new direct debit mandate { $reference }
renew-confirmed-intro = Thank you for your new direct debit mandate { $reference } for account { $iban }. It replaces mandate { $old_reference }: your subscriptions are collected from this account from now on.
renew-confirmed-again = Thank you for your new direct debit mandate { $reference } for account { $iban }. It replaces mandate { $old_reference }: your subscriptions are collected from this account from now on, and { $total } that could not be collected before on { $date }.

## Pause, resume and cancel emails (admin)
subscription-paused-subject = { $creditor }: your subscription "{ $product }" is paused
subscription-paused-intro = Your subscription "{ $product }" is paused from { $from }. Nothing is collected for the periods while it is paused.
subscription-paused-until = Your subscription "{ $product }" is paused from { $from } until { $until }. Nothing is collected for the periods while it is paused; it continues by itself on { $until }.
subscription-resumed-subject = { $creditor }: your subscription "{ $product }" continues
subscription-resumed-intro = Your subscription "{ $product }" continues from { $date }: its periods are collected again as before.
subscription-cancelled-subject = { $creditor }: confirmation of your cancellation of "{ $product }"
subscription-cancelled-intro = We confirm the cancellation of your subscription "{ $product }". It runs until { $date }; nothing is collected for any period after that day.
subscription-cancelled-unstarted = We confirm the cancellation of your subscription "{ $product }". It had not started, and nothing is collected for it.
subscription-uncancelled-subject = { $creditor }: your subscription "{ $product }" continues
subscription-uncancelled-intro = The cancellation of your subscription "{ $product }" has been withdrawn: it continues as before.

## Mandate page: bank details entered by the customer
mandate-enter-account = Enter the account { $creditor } may collect from, then confirm the mandate for it.
mandate-enter-account-iban-hint = Your IBAN, like NL91 ABNA 0417 1643 00
email-mandate-body-enter-account = To start your subscription "{ $product }" ({ $amount } { $interval }), please enter your bank account and confirm the SEPA direct debit mandate for it.

## A new mandate the merchant asks for (a new bank account)
mandate-asked-subject = { $creditor }: please give a new direct debit mandate
mandate-asked-intro = { $creditor } asks you for a new direct debit mandate in place of mandate { $reference } for account { $iban }, for example for a new bank account. Your subscription continues as it is; only the account changes.
renew-intro-asked = { $creditor } asks you for a new mandate in place of mandate { $reference } for account { $iban }. Enter the account { $creditor } may collect from from now on; the old mandate then ends.
