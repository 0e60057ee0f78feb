//! What synthetic records are made of: names of several cultures (with
//! their diacritics, so search and sorting meet them), places, reasons for
//! a visit with the note a clinician would write, and chart entries. Made
//! up or common words only; no row describes a real person.

/// Names of one culture: given names by sex, family names.
pub(super) struct Culture {
    pub female: &'static [&'static str],
    pub male: &'static [&'static str],
    pub family: &'static [&'static str],
}

pub(super) const CULTURES: &[Culture] = &[
    Culture {
        female: &["Olivia", "Emma", "Grace", "Charlotte", "Margaret", "Hannah", "Abigail"],
        male: &["James", "Oliver", "William", "Thomas", "George", "Henry", "Samuel"],
        family: &["Smith", "Johnson", "Brown", "Taylor", "Wilson", "Clarke", "Hughes", "O'Neill", "Walker"],
    },
    Culture {
        female: &["María", "Lucía", "Sofía", "Inés", "Ximena", "Begoña", "Mónica"],
        male: &["José", "Álvaro", "Andrés", "Íñigo", "Joaquín", "Raúl", "Julián"],
        family: &["García", "Núñez", "Martínez", "Pérez", "Gómez", "Muñoz", "Ibáñez", "Hernández", "Peña"],
    },
    Culture {
        female: &["Anneliese", "Jördis", "Käthe", "Ulrike", "Sabine", "Lötte"],
        male: &["Jürgen", "Günter", "Matthias", "Lukas", "Jörg", "Rüdiger"],
        family: &["Müller", "Schröder", "Weiß", "Groß", "Köhler", "Fischer", "Schäfer", "Krüger"],
    },
    Culture {
        female: &["Hélène", "Élodie", "Chloé", "Margaux", "Zoé", "Anaïs"],
        male: &["François", "Jérôme", "Benoît", "Théo", "Loïc", "Gaëtan"],
        family: &["Lefèvre", "Dubois", "Girard", "Bérubé", "Moreau", "Gauthier", "Fontaine", "Méndez"],
    },
    Culture {
        female: &["Małgorzata", "Agnieszka", "Zofia", "Kateřina", "Žofie", "Jadwiga"],
        male: &["Łukasz", "Paweł", "Jiří", "Tomáš", "Wojciech", "Radosław"],
        family: &["Wójcik", "Kowalczyk", "Dvořák", "Nowak", "Procházka", "Černý", "Zieliński", "Svoboda"],
    },
    Culture {
        female: &["Åsa", "Ingrid", "Sigrún", "Linnéa", "Maija", "Solveig"],
        male: &["Søren", "Björn", "Håkon", "Mikko", "Jóhann", "Einar"],
        family: &["Lindqvist", "Sørensen", "Håkansson", "Virtanen", "Jóhannsdóttir", "Nyström", "Ødegaard"],
    },
    Culture {
        female: &["Ayşe", "Çiğdem", "Elif", "Gülşen", "Zeynep"],
        male: &["Çağrı", "Mehmet", "Oğuz", "Emre", "Barış"],
        family: &["Öztürk", "Yılmaz", "Şahin", "Çelik", "Doğan", "Aydın", "Kılıç"],
    },
    Culture {
        female: &["Thị Hương", "Ngọc Anh", "Lan", "Thu Trang", "Mai"],
        male: &["Văn Minh", "Quang Huy", "Đức", "Tuấn", "Bảo"],
        family: &["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Đặng", "Vũ"],
    },
    Culture {
        female: &["Xiu Ying", "Mei Ling", "Li Na", "Yan", "Hui Min"],
        male: &["Wei", "Jian Guo", "Hao Ran", "Zhi Qiang", "Lei"],
        family: &["Wang", "Li", "Zhang", "Liu", "Chen", "Zhou", "Huang"],
    },
    Culture {
        female: &["Yūko", "Haruka", "Aiko", "Sakura", "Mei"],
        male: &["Tarō", "Kenji", "Shōta", "Hiroshi", "Ren"],
        family: &["Satō", "Suzuki", "Takahashi", "Itō", "Watanabe", "Kobayashi"],
    },
    Culture {
        female: &["Priya", "Ananya", "Lakshmi", "Kavya", "Deepika"],
        male: &["Arjun", "Rahul", "Sanjay", "Vikram", "Aarav"],
        family: &["Patel", "Sharma", "Iyer", "Reddy", "Singh", "Chatterjee", "Nair"],
    },
    Culture {
        female: &["Fatima", "Layla", "Noor", "Amal", "Yasmin"],
        male: &["Omar", "Yusuf", "Khalid", "Tariq", "Karim"],
        family: &["Al-Sayed", "Haddad", "Nasser", "El-Amin", "Khoury", "Mansour"],
    },
    Culture {
        female: &["Adaeze", "Chiamaka", "Abena", "Folasade", "Ngozi"],
        male: &["Adebayo", "Kwame", "Chukwuemeka", "Oluwaseun", "Kofi"],
        family: &["Okafor", "Adeyemi", "Mensah", "Okonkwo", "Balogun", "Asante"],
    },
    Culture {
        female: &["Siobhán", "Aoife", "Niamh", "Caoimhe", "Róisín"],
        male: &["Seán", "Ciarán", "Pádraig", "Eoin", "Darragh"],
        family: &["Ó Súilleabháin", "Mac Cárthaigh", "Ó Ceallaigh", "Kennedy", "Byrne"],
    },
    Culture {
        female: &["Leilani", "Kalena", "Malia", "Noelani"],
        male: &["Keoni", "Kainoa", "Makoa", "Ikaika"],
        family: &["Kahale", "Nāone", "Akana", "Kealoha"],
    },
];

pub(super) const STREETS: &[&str] = &[
    "Maple",
    "Oak",
    "Cedar",
    "Elm",
    "Willow",
    "Harbor",
    "River",
    "Mill",
    "Church",
    "Station",
    "Orchard",
    "Lake",
    "Hillcrest",
    "Sunset",
    "Park",
    "Chestnut",
    "Meadow",
    "Bridge",
];
pub(super) const STREET_KINDS: &[&str] = &["Street", "Avenue", "Road", "Lane", "Drive", "Court", "Way"];
pub(super) const CITIES: &[&str] = &[
    "Riverside",
    "Fairview",
    "Springfield",
    "Greenville",
    "Bristol",
    "Clinton",
    "Salem",
    "Madison",
    "Georgetown",
    "Ashland",
];
pub(super) const AREA_CODES: &[&str] = &["212", "303", "415", "503", "617", "808", "907", "312"];
pub(super) const MAIL_DOMAINS: &[&str] = &["example.org", "example.com", "example.net"];

pub(super) const PATIENT_NOTES: &[&str] = &[
    "Prefers an interpreter at visits.",
    "Hard of hearing: face the patient and speak clearly.",
    "Prefers morning appointments.",
    "Needle phobia; offer numbing cream.",
    "Guardian must be present for minors' visits.",
    "Uses a wheelchair; book the ground-floor room.",
];

/// A reason for a visit and the note it leads to.
pub(super) struct Story {
    pub reason: &'static str,
    pub subjective: &'static str,
    pub objective: &'static str,
    pub assessment: &'static str,
    pub plan: &'static str,
}

pub(super) const STORIES: &[Story] = &[
    Story {
        reason: "cough",
        subjective: "Cough for several days, productive in the mornings. No shortness of breath.",
        objective: "Chest clear on auscultation, throat mildly erythematous.",
        assessment: "Acute bronchitis, likely viral.",
        plan: "Fluids, rest, honey for cough. Return if fever or breathlessness.",
    },
    Story {
        reason: "annual check-up",
        subjective: "Feels well. No complaints. Exercises twice a week.",
        objective: "Normal examination.",
        assessment: "Healthy adult; preventive care up to date.",
        plan: "Routine bloods. Review in one year.",
    },
    Story {
        reason: "lower back pain",
        subjective: "Lower back pain after lifting boxes, worse on bending.",
        objective: "Paraspinal tenderness, straight leg raise negative.",
        assessment: "Mechanical low back pain.",
        plan: "Ibuprofen as needed, physiotherapy referral, stay active.",
    },
    Story {
        reason: "blood pressure review",
        subjective: "Home readings mostly normal. Taking medication daily.",
        objective: "Blood pressure at target today.",
        assessment: "Essential hypertension, controlled.",
        plan: "Continue lisinopril. Kidney function and potassium in three months.",
    },
    Story {
        reason: "diabetes follow-up",
        subjective: "Occasional thirst. Diet improving. No hypoglycaemia.",
        objective: "Feet: sensation intact, pulses present.",
        assessment: "Type 2 diabetes mellitus, HbA1c improving.",
        plan: "Continue metformin. Retinal screening. HbA1c in three months.",
    },
    Story {
        reason: "sore throat",
        subjective: "Sore throat and fever since yesterday.",
        objective: "Tonsillar exudate, tender anterior cervical nodes.",
        assessment: "Acute tonsillitis.",
        plan: "Throat swab. Phenoxymethylpenicillin for ten days if positive.",
    },
    Story {
        reason: "rash",
        subjective: "Itchy rash on both forearms for a week after gardening.",
        objective: "Erythematous papules and vesicles in linear streaks.",
        assessment: "Contact dermatitis.",
        plan: "Hydrocortisone cream twice daily; avoid the plant.",
    },
    Story {
        reason: "headache",
        subjective: "Recurrent headaches, band-like, late in the day.",
        objective: "Neurological examination normal. Fundi normal.",
        assessment: "Tension-type headache.",
        plan: "Sleep hygiene, screen breaks, paracetamol; headache diary.",
    },
    Story {
        reason: "well-child visit",
        subjective: "Parent reports good feeding and sleep. Meeting milestones.",
        objective: "Growth along centiles. Normal examination.",
        assessment: "Healthy child.",
        plan: "Immunisations given per schedule. Next review as scheduled.",
    },
    Story {
        reason: "anxiety",
        subjective: "Worry and poor sleep for two months, stress at work.",
        objective: "Alert, anxious affect, no risk indicators.",
        assessment: "Generalised anxiety disorder.",
        plan: "Cognitive behavioural therapy referral. Review in four weeks.",
    },
    Story {
        reason: "ear pain",
        subjective: "Left ear pain and muffled hearing for two days.",
        objective: "Left tympanic membrane red and bulging.",
        assessment: "Acute otitis media.",
        plan: "Analgesia; amoxicillin if no better in 48 hours.",
    },
    Story {
        reason: "knee pain",
        subjective: "Right knee pain climbing stairs, morning stiffness under 30 minutes.",
        objective: "Crepitus, small effusion, full range of motion.",
        assessment: "Osteoarthritis of the knee.",
        plan: "Quadriceps exercises, weight management, topical diclofenac.",
    },
    Story {
        reason: "asthma review",
        subjective: "Using reliever twice a week. Night cough occasionally.",
        objective: "Peak flow 85% of predicted. Wheeze absent.",
        assessment: "Asthma, partly controlled.",
        plan: "Check inhaler technique; start low-dose inhaled steroid.",
    },
    Story {
        reason: "urinary symptoms",
        subjective: "Burning on urination and frequency for two days.",
        objective: "Suprapubic tenderness. Urine dipstick nitrite positive.",
        assessment: "Uncomplicated cystitis.",
        plan: "Nitrofurantoin for five days; fluids.",
    },
];

pub(super) const ADDENDA: &[&str] = &[
    "Laboratory results reviewed: within normal limits. Patient informed by telephone.",
    "Swab result positive; antibiotic started as planned.",
    "Patient called: symptoms settling.",
    "Specialist letter received and filed.",
];

/// (description, may be resolved)
pub(super) const PROBLEMS: &[(&str, bool)] = &[
    ("Essential hypertension", false),
    ("Type 2 diabetes mellitus", false),
    ("Asthma", false),
    ("Hypothyroidism", false),
    ("Osteoarthritis of the knee", false),
    ("Generalised anxiety disorder", true),
    ("Iron deficiency anaemia", true),
    ("Migraine without aura", false),
    ("Gastro-oesophageal reflux disease", true),
    ("Hyperlipidaemia", false),
];

/// (substance, reaction)
pub(super) const ALLERGIES: &[(&str, &str)] = &[
    ("Penicillin", "Hives"),
    ("Peanuts", "Anaphylaxis"),
    ("Latex", "Contact dermatitis"),
    ("Sulfonamides", "Rash"),
    ("Shellfish", "Swelling of the lips"),
    ("Ibuprofen", "Wheeze"),
];
pub(super) const SEVERITIES: &[&str] = &["mild", "moderate", "severe", "unknown"];

/// (name, dose, route, frequency)
pub(super) const MEDICATIONS: &[(&str, &str, &str, &str)] = &[
    ("Lisinopril", "10 mg", "oral", "once daily"),
    ("Metformin", "500 mg", "oral", "twice daily"),
    ("Levothyroxine", "50 micrograms", "oral", "once daily"),
    ("Salbutamol inhaler", "100 micrograms", "inhaled", "as needed"),
    ("Atorvastatin", "20 mg", "oral", "at night"),
    ("Omeprazole", "20 mg", "oral", "once daily"),
    ("Sertraline", "50 mg", "oral", "once daily"),
    ("Diclofenac gel", "1%", "topical", "three times daily"),
];

/// A 1×1 PNG (a grey pixel), complete and valid.
pub(super) const TINY_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3A, 0x7E, 0x9B, 0x55, 0x00, 0x00, 0x00, 0x0A, 0x49,
    0x44, 0x41, 0x54, 0x78, 0xDA, 0x63, 0x68, 0x00, 0x00, 0x00, 0x82, 0x00, 0x81, 0xDA, 0x45, 0x08, 0x3B, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];
