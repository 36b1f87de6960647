//! The fields a column can be mapped to, and the mapping suggested from headers in English,
//! Dutch, French and German.

/// A field an import column fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub key: &'static str,
    pub label: &'static str,
    /// customer, mandate or subscription.
    pub group: &'static str,
    /// Normalised headers (lower case, letters and digits only) that suggest this field.
    synonyms: &'static [&'static str],
}

/// Every field, in the order of the template file.
pub const FIELDS: &[Field] = &[
    Field {
        key: "reference",
        label: "Customer reference",
        group: "customer",
        synonyms: &[
            "reference",
            "ref",
            "customerreference",
            "customerid",
            "customernumber",
            "customerno",
            "klantnummer",
            "klantnr",
            "klantreferentie",
            "referentie",
            "klantid",
            "numeroclient",
            "referenceclient",
            "noclient",
            "kundennummer",
            "kundenreferenz",
            "referenz",
            "kundennr",
        ],
    },
    Field {
        key: "first_name",
        label: "First name",
        group: "customer",
        synonyms: &[
            "firstname",
            "givenname",
            "forename",
            "voornaam",
            "prenom",
            "vorname",
        ],
    },
    Field {
        key: "last_name",
        label: "Last name",
        group: "customer",
        synonyms: &[
            "lastname",
            "surname",
            "familyname",
            "name",
            "achternaam",
            "naam",
            "nom",
            "nomdefamille",
            "nachname",
            "familienname",
        ],
    },
    Field {
        key: "company",
        label: "Company",
        group: "customer",
        synonyms: &[
            "company",
            "companyname",
            "organisation",
            "organization",
            "bedrijf",
            "bedrijfsnaam",
            "organisatie",
            "societe",
            "entreprise",
            "raisonsociale",
            "firma",
            "unternehmen",
        ],
    },
    Field {
        key: "email",
        label: "Email",
        group: "customer",
        synonyms: &[
            "email",
            "emailaddress",
            "mail",
            "emailadres",
            "eadres",
            "mailadres",
            "courriel",
            "adresseemail",
            "adressemail",
            "emailadresse",
            "mailadresse",
        ],
    },
    Field {
        key: "phone",
        label: "Phone",
        group: "customer",
        synonyms: &[
            "phone",
            "phonenumber",
            "telephone",
            "mobile",
            "mobilephone",
            "mobilenumber",
            "telefoon",
            "telefoonnummer",
            "mobiel",
            "mobielnummer",
            "mobielenummer",
            "telefoonmobiel",
            "gsm",
            "telnr",
            "tel",
            "portable",
            "numerodetelephone",
            "telefon",
            "telefonnummer",
            "handy",
            "mobilnummer",
        ],
    },
    Field {
        key: "street",
        label: "Street and number",
        group: "customer",
        synonyms: &[
            "street",
            "address",
            "streetaddress",
            "addressline1",
            "adres",
            "straat",
            "straatenhuisnummer",
            "adresse",
            "rue",
            "strasse",
            "strasseundhausnummer",
        ],
    },
    Field {
        key: "postal_code",
        label: "Postal code",
        group: "customer",
        synonyms: &[
            "postalcode",
            "postcode",
            "zip",
            "zipcode",
            "codepostal",
            "cp",
            "plz",
            "postleitzahl",
        ],
    },
    Field {
        key: "city",
        label: "City",
        group: "customer",
        synonyms: &[
            "city",
            "town",
            "plaats",
            "woonplaats",
            "stad",
            "ville",
            "localite",
            "stadt",
            "ort",
            "wohnort",
        ],
    },
    Field {
        key: "country",
        label: "Country",
        group: "customer",
        synonyms: &[
            "country",
            "countrycode",
            "land",
            "landcode",
            "pays",
            "codepays",
        ],
    },
    Field {
        key: "language",
        label: "Language",
        group: "customer",
        synonyms: &["language", "locale", "taal", "langue", "sprache"],
    },
    Field {
        key: "payment_method",
        label: "Payment method",
        group: "customer",
        synonyms: &[
            "paymentmethod",
            "betaalmethode",
            "betaalwijze",
            "modedepaiement",
            "zahlungsart",
            "zahlungsmethode",
        ],
    },
    Field {
        key: "automatic_billing",
        label: "Automatic billing",
        group: "customer",
        synonyms: &[
            "automaticbilling",
            "autobilling",
            "automatischfactureren",
            "facturationautomatique",
            "automatischeabrechnung",
        ],
    },
    Field {
        key: "customer_since",
        label: "Customer since",
        group: "customer",
        synonyms: &[
            "customersince",
            "membersince",
            "clientsince",
            "since",
            "createdat",
            "created",
            "signupdate",
            "registrationdate",
            "klantsinds",
            "lidsinds",
            "sinds",
            "aanmelddatum",
            "inschrijfdatum",
            "registratiedatum",
            "aangemaakt",
            "aangemaaktop",
            "clientdepuis",
            "depuis",
            "datedinscription",
            "datecreation",
            "kundeseit",
            "seit",
            "anmeldedatum",
            "registrierungsdatum",
            "erstelltam",
        ],
    },
    Field {
        key: "mandate_reference",
        label: "Mandate reference",
        group: "mandate",
        synonyms: &[
            "mandatereference",
            "mandateid",
            "mandatecode",
            "mandate",
            "mandaatreferentie",
            "machtigingskenmerk",
            "kenmerkmachtiging",
            "mandaatkenmerk",
            "mandaat",
            "mandaatnummer",
            "mandaatid",
            "machtiging",
            "machtigingid",
            "machtigingsnummer",
            "machtigingsreferentie",
            "referencemandat",
            "referenceunique",
            "rum",
            "mandatsreferenz",
        ],
    },
    Field {
        key: "signed_on",
        label: "Mandate signature date",
        group: "mandate",
        synonyms: &[
            "signaturedate",
            "signedon",
            "signeddate",
            "datesigned",
            "mandatedate",
            "mandatesignaturedate",
            "ondertekeningsdatum",
            "datumondertekening",
            "handtekeningdatum",
            "mandaatdatum",
            "datummachtiging",
            "machtigingsdatum",
            "datumondertekeningmachtiging",
            "ondertekendop",
            "getekendop",
            "datedesignature",
            "datesignature",
            "unterschriftsdatum",
            "mandatsdatum",
        ],
    },
    Field {
        key: "iban",
        label: "IBAN",
        group: "mandate",
        synonyms: &[
            "iban",
            "ibannumber",
            "bankaccount",
            "accountnumber",
            "rekeningnummer",
            "ibanrekeningnummer",
            "ibannummer",
            "bankrekening",
            "bankrekeningnummer",
            "comptebancaire",
            "kontonummer",
        ],
    },
    Field {
        key: "bic",
        label: "BIC",
        group: "mandate",
        synonyms: &["bic", "swift", "bicswift", "swiftbic", "biccode"],
    },
    Field {
        key: "account_holder",
        label: "Account holder",
        group: "mandate",
        synonyms: &[
            "accountholder",
            "accountname",
            "accountholdername",
            "tennaamstelling",
            "tenaamstelling",
            "rekeninghouder",
            "naamrekeninghouder",
            "tennamevan",
            "titulaire",
            "titulaireducompte",
            "kontoinhaber",
        ],
    },
    Field {
        key: "product",
        label: "Product (name or id)",
        group: "subscription",
        synonyms: &[
            "product",
            "productid",
            "productname",
            "plan",
            "package",
            "pakket",
            "abonnement",
            "produit",
            "produkt",
            "subscription",
        ],
    },
    Field {
        key: "start_date",
        label: "Subscription start date",
        group: "subscription",
        synonyms: &[
            "startdate",
            "start",
            "subscriptionstart",
            "ingangsdatum",
            "startdatum",
            "begindatum",
            "datededebut",
            "datedebut",
            "debut",
            "beginn",
            "beginndatum",
        ],
    },
];

/// The field with this key.
pub fn field(key: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.key == key)
}

/// A header in lower case, accents dropped, letters and digits only: "E-mailadres" -> "emailadres".
fn normalise(header: &str) -> String {
    header
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ß' => 's',
            c => c,
        })
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .replace("ss", "s")
}

/// The field each header suggests (`""` for none); a field is suggested for one column only.
pub fn suggest(headers: &[String]) -> Vec<String> {
    let mut taken: Vec<&str> = Vec::new();
    headers
        .iter()
        .map(|header| {
            let wanted = normalise(header);
            let found = FIELDS.iter().find(|f| {
                !taken.contains(&f.key) && f.synonyms.iter().any(|s| s.replace("ss", "s") == wanted)
            });
            match found {
                Some(f) => {
                    taken.push(f.key);
                    f.key.to_string()
                }
                None => String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_in_four_languages_are_recognised() {
        let headers: Vec<String> = [
            "E-mailadres",
            "Nom",
            "Prénom",
            "Straße",
            "Postleitzahl",
            "IBAN",
            "Ondertekeningsdatum",
            "Something else",
            "Email",
            "Datum machtiging",
            "Klant sinds",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            suggest(&headers),
            [
                "email",
                "last_name",
                "first_name",
                "street",
                "postal_code",
                "iban",
                "signed_on",
                "",
                "",
                "",
                "customer_since"
            ]
        );
        let dutch: Vec<String> = ["Naam", "Datum machtiging", "IBAN-nummer", "Mobiel nummer"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(suggest(&dutch), ["last_name", "signed_on", "iban", "phone"]);
    }
}
