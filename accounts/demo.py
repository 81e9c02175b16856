"""Demo data of the customer knowledge base (called by `manage.py demo` only).

About 200 invented Indonesian B2B customers with their contact persons, households,
interests, voice of customer and competitor intelligence. Every write goes through
`accounts.services`, so validation and the audit history apply exactly as in the app.

- Deterministic: one `random.Random(SEED)`; the random draws never depend on the date,
  so every run creates the same rows. Dates are relative to today, so the demo stays fresh
  (recent feedback, birthdays coming up this month).
- Idempotent: the customers carry the ERP ids `DEMO-0001`...; when any exists, nothing is loaded.
- Our side, as the demo tells it: an industrial and commercial supplies distributor
  (lubricants, PPE, packaging, spare parts, hygiene chemicals, maintenance services).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import ContactPerson, Customer, Feedback, HouseholdMember, Interest, InterestTopic
from .services import (
    competitor_intel_save,
    contact_save,
    customer_create,
    feedback_save,
    household_member_save,
    household_save,
    interest_save,
    interest_topic_get_or_create,
    team_member_add,
)

SEED = 20260214
REF_PREFIX = "DEMO-"
CUSTOMER_COUNT = 200
PERSON_COUNT = 20
OWNED_BY_RM = 6  # each of rm and rm2 owns a handful; rep and rep2 split the rest
RM_TEAM_SEATS = 6  # rm joins the team of rep's biggest customers, rm2 of rep2's
KEY_CONTACT_HOUSEHOLDS = 40
UPCOMING_CONTACTS = {"rep": 6, "rep2": 6, "rm": 2, "rm2": 2}  # birthdays within the next 4 weeks, at least
UPCOMING_MEMBERS = {"rep": 3, "rep2": 3}

DM = ContactPerson.DecisionRole.DECISION_MAKER
INFLUENCER = ContactPerson.DecisionRole.INFLUENCER
USER = ContactPerson.DecisionRole.USER
GATEKEEPER = ContactPerson.DecisionRole.GATEKEEPER
OTHER = ContactPerson.DecisionRole.OTHER

# --- places -------------------------------------------------------------------------------------------------------

# city: (area code, [(street, kecamatan, postcode)]); "{n}" is a house number, "{b}" a block letter.
CITIES: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "Jakarta": (
        "21",
        [
            ("Jl. Jend. Sudirman Kav. {n}", "Tanah Abang", "10220"),
            ("Jl. Gatot Subroto Kav. {n}", "Setiabudi", "12930"),
            ("Jl. TB Simatupang Kav. {n}", "Cilandak", "12560"),
            ("Jl. Pluit Raya No. {n}", "Penjaringan", "14440"),
            ("Kawasan Industri Pulogadung, Jl. Rawa Gelam {b} No. {n}", "Cakung", "13930"),
            ("Jl. Daan Mogot Km. {n}", "Kalideres", "11840"),
            ("Jl. Gunung Sahari Raya No. {n}", "Pademangan", "14420"),
        ],
    ),
    "Bekasi": (
        "21",
        [
            ("Jl. Jend. Ahmad Yani No. {n}", "Bekasi Selatan", "17141"),
            ("Kawasan MM2100, Jl. Sumatera Blok {b} No. {n}", "Cikarang Barat", "17520"),
            ("Jl. Raya Narogong Km. {n}", "Rawalumbu", "17117"),
        ],
    ),
    "Tangerang": (
        "21",
        [
            ("Jl. Gatot Subroto Km. {n}", "Jatiuwung", "15136"),
            ("Jl. Raya Serpong Km. {n}", "Serpong", "15310"),
            ("Jl. Industri Raya Blok {b} No. {n}", "Cikupa", "15710"),
        ],
    ),
    "Cikarang": (
        "21",
        [
            ("Kawasan Industri Jababeka, Jl. Jababeka Raya Blok {b} No. {n}", "Cikarang Utara", "17530"),
            ("Delta Silicon, Jl. Kenari Raya Blok {b} No. {n}", "Cikarang Selatan", "17550"),
        ],
    ),
    "Bandung": (
        "22",
        [
            ("Jl. Soekarno-Hatta No. {n}", "Bandung Kidul", "40266"),
            ("Jl. Dr. Djunjunan No. {n}", "Sukajadi", "40162"),
            ("Jl. Moh. Toha Km. {n}", "Dayeuhkolot", "40258"),
            ("Jl. Asia Afrika No. {n}", "Sumur Bandung", "40111"),
        ],
    ),
    "Medan": (
        "61",
        [
            ("Jl. Gatot Subroto No. {n}", "Medan Petisah", "20112"),
            ("Jl. Sisingamangaraja Km. {n}", "Medan Amplas", "20219"),
            ("Kawasan Industri Medan, Jl. Pulau Batam No. {n}", "Medan Deli", "20242"),
        ],
    ),
    "Palembang": (
        "711",
        [
            ("Jl. Jend. Sudirman No. {n}", "Ilir Barat I", "30129"),
            ("Jl. Demang Lebar Daun No. {n}", "Ilir Barat I", "30137"),
            ("Jl. Mayor Zen No. {n}", "Kalidoni", "30118"),
        ],
    ),
    "Pekanbaru": (
        "761",
        [
            ("Jl. Tuanku Tambusai No. {n}", "Marpoyan Damai", "28282"),
            ("Jl. Jend. Sudirman No. {n}", "Pekanbaru Kota", "28116"),
            ("Jl. Riau No. {n}", "Payung Sekaki", "28292"),
        ],
    ),
    "Batam": (
        "778",
        [
            ("Kawasan Industri Batamindo, Jl. Beringin Lot {n}", "Muka Kuning", "29433"),
            ("Jl. Raja Ali Haji No. {n}", "Batam Kota", "29432"),
            ("Jl. Yos Sudarso Blok {b} No. {n}", "Batu Ampar", "29452"),
        ],
    ),
    "Surabaya": (
        "31",
        [
            ("Jl. Rungkut Industri Raya No. {n}", "Rungkut", "60293"),
            ("Jl. Basuki Rahmat No. {n}", "Tegalsari", "60271"),
            ("Jl. Margomulyo Blok {b} No. {n}", "Tandes", "60186"),
            ("Jl. Raya Darmo No. {n}", "Wonokromo", "60241"),
            ("Jl. Kenjeran No. {n}", "Tambaksari", "60134"),
        ],
    ),
    "Sidoarjo": (
        "31",
        [
            ("Jl. Raya Waru No. {n}", "Waru", "61256"),
            ("Kawasan Industri Berbek, Jl. Berbek Industri {b} No. {n}", "Waru", "61256"),
        ],
    ),
    "Malang": (
        "341",
        [
            ("Jl. Raya Singosari No. {n}", "Singosari", "65153"),
            ("Jl. Letjen S. Parman No. {n}", "Blimbing", "65122"),
            ("Jl. Soekarno-Hatta No. {n}", "Lowokwaru", "65141"),
        ],
    ),
    "Semarang": (
        "24",
        [
            ("Jl. Pemuda No. {n}", "Semarang Tengah", "50132"),
            ("Kawasan Industri Candi, Jl. Gatot Subroto Blok {b} No. {n}", "Ngaliyan", "50181"),
            ("Jl. Siliwangi No. {n}", "Semarang Barat", "50145"),
        ],
    ),
    "Yogyakarta": (
        "274",
        [
            ("Jl. Magelang Km. {n}", "Mlati", "55284"),
            ("Jl. Laksda Adisucipto Km. {n}", "Depok", "55281"),
            ("Jl. Parangtritis Km. {n}", "Sewon", "55187"),
        ],
    ),
    "Denpasar": (
        "361",
        [
            ("Jl. Bypass Ngurah Rai No. {n}", "Denpasar Selatan", "80222"),
            ("Jl. Gatot Subroto Barat No. {n}", "Denpasar Utara", "80116"),
            ("Jl. Teuku Umar No. {n}", "Denpasar Barat", "80113"),
        ],
    ),
    "Makassar": (
        "411",
        [
            ("Jl. Urip Sumoharjo No. {n}", "Panakkukang", "90231"),
            ("Kawasan Industri Makassar, Jl. Kima {b} No. {n}", "Biringkanaya", "90241"),
            ("Jl. Perintis Kemerdekaan Km. {n}", "Tamalanrea", "90245"),
        ],
    ),
    "Balikpapan": (
        "542",
        [
            ("Jl. MT Haryono No. {n}", "Balikpapan Selatan", "76114"),
            ("Jl. Jend. Sudirman No. {n}", "Balikpapan Kota", "76113"),
            ("Jl. Mulawarman Km. {n}", "Balikpapan Timur", "76116"),
        ],
    ),
}

# Territories: rep covers Jabodetabek, West Java and Sumatra; rep2 Central and East Java, Bali, Sulawesi, Kalimantan.
TERRITORIES: dict[str, list[tuple[str, int]]] = {
    "rep": [
        ("Jakarta", 30),
        ("Bekasi", 10),
        ("Tangerang", 10),
        ("Cikarang", 10),
        ("Bandung", 10),
        ("Medan", 8),
        ("Palembang", 6),
        ("Pekanbaru", 5),
        ("Batam", 6),
    ],
    "rep2": [
        ("Surabaya", 30),
        ("Sidoarjo", 8),
        ("Malang", 9),
        ("Semarang", 12),
        ("Yogyakarta", 8),
        ("Denpasar", 10),
        ("Makassar", 10),
        ("Balikpapan", 8),
    ],
    "rm": [("Jakarta", 1)],
    "rm2": [("Surabaya", 1)],
}

HOUSING = [
    "Perumahan Taman Asri",
    "Griya Permata Residence",
    "Villa Bukit Mas",
    "Cluster Anggrek",
    "Perumahan Pondok Indah Lestari",
    "Bumi Harapan Permai",
    "Taman Sari Regency",
    "Cluster Cempaka Hijau",
    "Perumahan Graha Kencana",
    "Kompleks Nirwana Estate",
]

# --- companies -----------------------------------------------------------------------------------------------------

# How much a customer of the industry buys from a supplier like us, relative to the others.
INDUSTRY_SCALE = {
    "Mining": 2.0,
    "Manufacturing": 1.5,
    "Construction": 1.3,
    "Logistics": 1.2,
    "Agribusiness": 1.2,
    "Automotive": 1.2,
    "Telecommunications": 1.2,
    "Food & Beverage": 1.0,
    "Retail": 0.9,
    "Healthcare": 0.8,
    "Hospitality": 0.7,
    "Education": 0.5,
}

# industry: (weight, words that make the name sound like the trade)
INDUSTRIES: dict[str, tuple[int, list[str]]] = {
    "Manufacturing": (24, ["Baja", "Logam", "Plastindo", "Kemasan", "Presisi", "Kimia", "Tekstil", "Karet", "Kertas"]),
    "Retail": (14, ["Niaga", "Swalayan", "Dagang", "Grosir", "Busana", "Ritel"]),
    "Hospitality": (10, ["Wisata", "Griya", "Pesona", "Nirwana", "Hotelindo"]),
    "Construction": (14, ["Beton", "Konstruksi", "Bangun", "Struktur", "Aspal", "Marga"]),
    "Healthcare": (9, ["Medika", "Husada", "Farma", "Sehat", "Medis"]),
    "Logistics": (14, ["Logistik", "Kargo", "Ekspres", "Trans", "Armada", "Ekspedisi"]),
    "Agribusiness": (12, ["Tani", "Agro", "Sawit", "Kebun", "Pupuk", "Agrindo"]),
    "Automotive": (10, ["Motor", "Otomotif", "Autoparts", "Mobilindo"]),
    "Food & Beverage": (16, ["Boga", "Rasa", "Pangan", "Kuliner", "Sari", "Kopi"]),
    "Mining": (7, ["Tambang", "Mineral", "Bara", "Galian", "Energi"]),
    "Education": (6, ["Edukasi", "Cendekia", "Pendidikan", "Pustaka", "Ilmu"]),
    "Telecommunications": (7, ["Telekomindo", "Data", "Net", "Komunikasi", "Digital", "Sinyal"]),
}
NAME_STARTS = [
    "Sinar", "Mitra", "Karya", "Cahaya", "Bumi", "Sumber", "Prima", "Mega", "Surya", "Tunas", "Graha", "Citra",
    "Duta", "Nusa", "Anugerah", "Berkah", "Bintang", "Kencana", "Mulia", "Rajawali", "Pelita", "Wahana", "Intan",
    "Puncak", "Sentra", "Dwi", "Tri", "Panca", "Arta", "Inti", "Gema", "Samudra", "Fajar", "Harapan", "Sejati",
]  # fmt: skip
NAME_ENDS = [
    "Nusantara", "Makmur", "Sejahtera", "Abadi", "Utama", "Perkasa", "Mandiri", "Indonesia", "Jaya", "Sentosa",
    "Lestari", "Raya", "Gemilang", "Persada", "Sakti", "Semesta", "Bersama", "Internasional",
]  # fmt: skip
MAILBOXES = ["info", "sales", "office", "admin", "cs", "kontak", "purchasing"]

COMPANY_NOTES = [
    "ERP customer since {since}. Pays by bank transfer, usually around day 40 after invoice.",
    "ERP customer since {since}. Annual supplier tender every November for the next year's volumes.",
    "Family business; the second generation is taking over day-to-day operations.",
    "Head office here, second site in {other}; deliveries to both, invoices to head office only.",
    "Closed for a week around Lebaran: plan deliveries and collections before the holiday.",
    "Purchase orders need the Direktur's signature above IDR 50 juta; allow extra days.",
    "Switched part of their volume to a competitor in {since}; we are winning it back slowly.",
    "Receiving dock only open 08:00-15:00, no deliveries on Friday after 11:00.",
    "Asks for faktur pajak with every invoice; payment is held until it arrives.",
    "Growing fast: new line or outlet opened last year, more planned.",
]

# --- people --------------------------------------------------------------------------------------------------------

MALE = [
    "Budi", "Agus", "Hendra", "Joko", "Andi", "Rudi", "Bambang", "Dedi", "Eko", "Hadi", "Irfan", "Iwan", "Yusuf",
    "Rizky", "Arif", "Teguh", "Wahyu", "Slamet", "Bayu", "Yohanes", "Stefanus", "Kevin", "Ricky", "Sutrisno",
    "Andreas", "Darmawan", "Rahmat", "Taufik", "Ahmad", "Reza", "Imam", "Fikri", "Hengky", "Benny", "Gilang",
    "Adi", "Dodi", "Fransiskus", "Galih", "Hasan", "Johan", "Lukman", "Novan", "Surya", "Tommy", "Vincent", "Yogi",
]  # fmt: skip
FEMALE = [
    "Siti", "Dewi", "Sri", "Rina", "Ayu", "Wulan", "Fitri", "Novi", "Yuliana", "Maria", "Linda", "Melati", "Indah",
    "Ratna", "Kartika", "Intan", "Maya", "Anggun", "Nadia", "Shinta", "Vivian", "Jessica", "Stephanie", "Rahayu",
    "Fransiska", "Lina", "Evi", "Mega", "Diah", "Tari", "Lusi", "Yanti", "Citra", "Putri", "Nurul", "Aisyah",
    "Larasati", "Sekar", "Amelia", "Clara", "Veronika", "Anjani", "Winda", "Safitri", "Hana", "Olivia",
]  # fmt: skip
SURNAMES = [
    "Santoso", "Wijaya", "Kusuma", "Gunawan", "Halim", "Setiawan", "Prasetyo", "Nugroho", "Wibowo", "Saputra",
    "Kurniawan", "Hidayat", "Susanto", "Permana", "Firmansyah", "Ramadhan", "Pratama", "Hakim", "Rahman",
    "Wirawan", "Sutanto", "Tjandra", "Lesmana", "Pangestu", "Suryadi", "Hartanto", "Purnomo", "Widjaja",
    "Handoko", "Sulistyo", "Utomo", "Kartono", "Mulyadi", "Gozali", "Sasmita", "Hermawan", "Sugiarto",
    "Effendi", "Irawan", "Wahyudi", "Kusnadi", "Budiman", "Hasan", "Maulana", "Syahputra", "Rusli", "Tanuwijaya",
    "Kosasih", "Sudirman", "Iskandar", "Setiadi", "Hendrawan", "Yulianto", "Anwar", "Haryanto", "Surya",
    "Adiwijaya", "Wicaksono", "Nugraha", "Darmadi", "Cahyadi", "Kurnia", "Fauzi", "Ardiansyah",
]  # fmt: skip
BATAK = [
    "Siregar", "Nasution", "Simanjuntak", "Sitompul", "Hutapea", "Lubis", "Harahap", "Panjaitan", "Sembiring",
    "Ginting", "Tarigan", "Manurung", "Sinaga", "Pardede", "Situmorang",
]  # fmt: skip
BALINESE_MALE = ["I Made", "I Wayan", "I Ketut", "I Nyoman", "I Gede", "I Komang"]
BALINESE_FEMALE = ["Ni Made", "Ni Wayan", "Ni Ketut", "Ni Nyoman", "Ni Luh", "Ni Komang"]
BALINESE_NAMES = ["Suardana", "Wirawan", "Arsana", "Sudarma", "Ariani", "Sukmawati", "Astuti", "Widiantara"]

# (job title, department, decision role); the first entry of each list is the decision maker.
DECISION_MAKERS = [
    ("Direktur Utama", "Direksi"),
    ("Direktur Operasional", "Direksi"),
    ("General Manager", "Operasional"),
    ("Direktur Keuangan", "Direksi"),
]
OTHER_CONTACTS = [
    ("Purchasing Manager", "Purchasing", INFLUENCER),
    ("Kepala Pengadaan", "Procurement", INFLUENCER),
    ("Finance Manager", "Finance", INFLUENCER),
    ("Plant Manager", "Produksi", INFLUENCER),
    ("IT Manager", "IT", INFLUENCER),
    ("Kepala Gudang", "Gudang", USER),
    ("Supervisor Produksi", "Produksi", USER),
    ("Engineer Maintenance", "Engineering", USER),
    ("Kepala Teknik", "Engineering", USER),
    ("Sekretaris Direksi", "Direksi", GATEKEEPER),
    ("Staf Purchasing", "Purchasing", GATEKEEPER),
    ("Staf Accounting", "Finance", OTHER),
    ("HRD & GA Manager", "HRD & GA", OTHER),
]
CONTACT_NOTES = [
    "Prefers WhatsApp; usually replies after 19:00.",
    "Wants quotations as PDF with company stamp and signature.",
    "Keeps the Direktur's calendar; be friendly and bring kue for the front office.",
    "Worked at a competitor before; knows their pricing well.",
    "Signs off on anything above IDR 100 juta.",
    "Checks every delivery against the PO; strict on documents.",
    "New in the role since last year; still building trust with us.",
    "Fasting on Mondays and Thursdays; schedule lunch meetings on other days.",
]

SPOUSE_JOBS = [
    "Ibu rumah tangga", "Dokter gigi", "Owner butik batik", "Guru SMP", "Notaris", "Apoteker", "Dosen",
    "Karyawan bank", "Owner katering", "Arsitek", "Bidan", "Konsultan pajak", "Pengusaha properti",
]  # fmt: skip
SPOUSE_INTERESTS = [
    "arisan, cooking", "yoga, batik collecting", "golf", "orchids (anggrek)", "baking, K-drama", "badminton",
    "travel to Japan", "hiking, photography", "pengajian, gardening", "Pilates, coffee shops",
]  # fmt: skip
CHILD_INTERESTS = [
    "Roblox, robotics club", "K-pop, dance", "badminton", "Mobile Legends", "piano lessons", "swimming",
    "football (SSB)", "drawing, manga", "coding", "basketball", "taekwondo", "violin",
]  # fmt: skip
PARENT_INTERESTS = ["pengajian, gardening", "wayang, gamelan", "song birds (perkutut)", "morning walks, chess"]
MEMBER_NOTES = [
    "Gift idea: a batik scarf or good coffee beans.",
    "Studying abroad; back home every Lebaran.",
    "Graduation (wisuda) coming up next year; congratulate the contact.",
    "Sometimes joins company dinners.",
    "Allergic to seafood.",
    "Recovering from surgery last year; ask how they are.",
]

# --- person customers ----------------------------------------------------------------------------------------------

# (occupation, business name, industry, ambitions)
PERSON_PROFILES = [
    ("Owner of a building-materials store (toko bangunan) with 3 outlets", "Sumber Rejeki", "Construction",
     "Open a fourth outlet and a small distribution warehouse by 2027."),
    ("Owner of a chain of Padang restaurants (rumah makan)", "Rasa Minang Sejati", "Food & Beverage",
     "Franchise the brand to Sumatra and Kalimantan within five years."),
    ("Contractor (kontraktor) for housing projects", "Griya Bangun Mandiri", "Construction",
     "Win subsidised-housing projects and register as a mid-size contractor."),
    ("Owner of a boutique hotel with 24 rooms", "Puri Kenanga", "Hospitality",
     "Add a villa property and reach 85% occupancy outside the high season."),
    ("Owner of a palm-oil smallholding and a CPO trading business", "Sawit Lestari", "Agribusiness",
     "Get RSPO certification and sell directly to exporters."),
    ("Owner of a car workshop (bengkel) and spare-part shop", "Bengkel Jaya Motor", "Automotive",
     "Become an authorised service partner for hybrid and electric cars."),
    ("Owner of a private clinic (klinik pratama)", "Klinik Sehat Sentosa", "Healthcare",
     "Grow the clinic into a small hospital and join the BPJS network."),
    ("Owner of a bakery and cafe chain", "Roti Kenangan Manis", "Food & Beverage",
     "Open a central kitchen and five new outlets in the next two years."),
    ("Owner of three minimarkets", "Mart Sinar Pagi", "Retail",
     "Move all stores onto one POS and inventory system, then open two more."),
    ("Owner of a courier agency and trucking fleet", "Kilat Antar", "Logistics",
     "Grow the fleet from 12 to 30 trucks and start inter-island shipping."),
    ("Chair of a private school foundation", "Sekolah Tunas Bangsa", "Education",
     "Open a vocational school (SMK) with welding and automotive programmes."),
    ("Owner of a fishing fleet and cold storage", "Bahari Segar", "Agribusiness",
     "Get export approval for frozen tuna to Japan."),
    ("Owner of a coffee roastery working with farmers", "Kopi Tanah Tinggi", "Food & Beverage",
     "Export single-origin green beans and open a roastery cafe in Jakarta."),
    ("Owner of a small limestone quarry", "Batu Kapur Sentosa", "Mining",
     "Add a crushing plant and supply cement producers directly."),
    ("Owner of a local internet service provider", "Jaringan Desa Net", "Telecommunications",
     "Reach 5,000 fibre subscribers in the surrounding kabupaten."),
    ("Owner of a garment workshop (konveksi)", "Konveksi Benang Emas", "Manufacturing",
     "Win uniform contracts from factories and hospitals."),
    ("Owner of a furniture workshop exporting to Europe", "Mebel Jati Indah", "Manufacturing",
     "Get SVLK-certified for every product line and exhibit at a trade fair abroad."),
    ("Owner of a poultry farm (peternakan ayam)", "Ternak Makmur", "Agribusiness",
     "Build a closed-house system and supply a frozen-food processor."),
    ("Owner of a catering business for factory canteens", "Dapur Bunda Catering", "Food & Beverage",
     "Double the number of factory canteens served and get halal certification for every kitchen."),
    ("Owner of a printing house (percetakan)", "Percetakan Cahaya Ilmu", "Manufacturing",
     "Move into packaging printing for food brands."),
]  # fmt: skip

# --- interests -----------------------------------------------------------------------------------------------------

# topic: [(sentiment, note)]
INTERESTS: dict[str, list[tuple[str, str]]] = {
    "golf": [("like", "Plays on Saturday mornings; handicap around 18."), ("like", "Member of a club; happy to play")],
    "badminton": [("like", "Plays twice a week with the office team."), ("like", "Follows the national team")],
    "sepak bola": [("like", "Watches every league match; never call during a big match."), ("like", "")],
    "kopi": [("like", "Loves single-origin Gayo and Toraja; bring beans, not pastries."), ("like", "")],
    "kuliner Padang": [("like", "Favourite lunch is rendang and gulai tunjang."), ("like", "")],
    "karaoke": [("like", "Enjoys karaoke after team dinners."), ("dislike", "Avoids karaoke invitations.")],
    "fishing": [("like", "Goes sea fishing (mancing) on long weekends."), ("like", "")],
    "photography": [("like", "Shoots landscapes; talk cameras and lenses."), ("like", "")],
    "halal food only": [("like", "Only halal-certified restaurants for lunches and gifts."), ("like", "")],
    "no alcohol": [("like", "Never offer alcohol at dinners or as a gift."), ("like", "")],
    "early calls": [("dislike", "Do not call before 09:00; busy with the morning production meeting."),
                    ("dislike", "")],
    "long meetings": [("dislike", "Keep meetings under 45 minutes, agenda sent beforehand."), ("dislike", "")],
    "WhatsApp over email": [("like", "Answers WhatsApp within minutes, email within days."), ("like", "")],
    "batik": [("like", "Collects batik tulis from Solo and Pekalongan."), ("like", "Wears batik every Friday.")],
    "travel to Japan": [("like", "Travels to Japan every year with the family."), ("like", "")],
    "gardening": [("like", "Grows orchids and bonsai at home."), ("like", "")],
    "MotoGP": [("like", "Never misses a race; went to Mandalika."), ("like", "")],
    "cycling": [("like", "Weekend road rides (gowes) with a club."), ("like", "")],
    "running": [("like", "Runs half marathons; ask about the next race."), ("like", "")],
    "durian": [("like", "Durian season is the best time to visit."), ("dislike", "Cannot stand the smell.")],
    "seafood": [("like", "Loves grilled fish (ikan bakar) places."), ("dislike", "Allergic to shellfish.")],
    "jazz": [("like", "Goes to jazz festivals; likes live music venues."), ("like", "")],
    "K-drama": [("like", "Binge-watches K-drama; a good small-talk topic."), ("like", "")],
    "wayang": [("like", "Attends wayang kulit performances; appreciates Javanese culture."), ("like", "")],
    "tennis": [("like", "Plays doubles on Sunday mornings."), ("like", "")],
    "spicy food": [("like", "The spicier the better: sambal matah, ayam geprek."), ("dislike", "No spicy food.")],
    "smoking": [("dislike", "Non-smoker; meet in non-smoking rooms."),
                ("like", "Smokes kretek; pick a venue with a terrace.")],
    "cold calls": [("dislike", "Book an appointment through the secretary first."), ("dislike", "")],
    "weekend messages": [("dislike", "No work messages on Sunday."), ("dislike", "")],
    "dim sum": [("like", "Sunday dim sum with the family; a good lunch venue."), ("like", "")],
    "gadgets": [("like", "Always has the newest phone; likes tech talk."), ("like", "")],
}  # fmt: skip

# --- voice of customer ---------------------------------------------------------------------------------------------

WANTS = [
    "Faster delivery to {city}: stock in a local warehouse, 2 days instead of 5.",
    "Longer payment terms, TOP 60 instead of TOP 30; their own customers pay late.",
    "One consolidated invoice per month instead of one per delivery; finance is drowning in faktur pajak.",
    "A dedicated technical contact who answers on WhatsApp, not the call centre.",
    "A quarterly business review with the Direktur, with a price outlook for next year.",
    "On-site training for new operators, in Bahasa Indonesia.",
    "A price lock for 6 months; the rupiah swings make budgeting hard.",
    "An ordering portal with order tracking that talks to their ERP.",
    "Faster complaint handling; the last claim took two weeks to close.",
    "Delivery before 10:00 so that the morning shift can use the material.",
    "Better packaging for shipments by sea; two pallets arrived damaged.",
]
WOULD_BUY = [
    "Predictive maintenance (vibration monitoring) for their production lines.",
    "A bundle of lubricants, filters and scheduled service at one monthly price.",
    "Forklift rental with spare parts and service under the same contract.",
    "Recycled-content packaging with a certificate for their export buyers.",
    "Halal-certified food-grade lubricants.",
    "Same-day delivery in Jabodetabek for urgent spare parts.",
    "Calibration service with KAN-accredited certificates.",
    "Cold-chain packaging for frozen goods shipped to eastern Indonesia.",
    "Consignment stock (VMI) of fast-moving spare parts at their site.",
    "Leasing for equipment instead of buying outright.",
    "Safety training with certification (K3) for their site staff.",
    "Hygiene audits and cleaning chemicals as one service for all outlets.",
]
LIKES = [
    "{rep} is responsive and knows their site; always picks up the phone.",
    "Product quality is consistent; fewer line stoppages since switching to us.",
    "Clear quotations and complete tax documents, faktur pajak on time.",
    "Our technicians are polite, on time and clean up after the job.",
    "The brand is trusted by their own customers: original, not KW.",
    "We helped with an urgent delivery before Lebaran; they remember it.",
    "Good after-sales service in Java.",
    "The technical seminar last year was useful for their engineers.",
]
DISLIKES = [
    "Delivery times to {city} are unpredictable; two late shipments last quarter.",
    "Prices went up twice this year with short notice.",
    "Technical support is hard to reach on weekends.",
    "Too many people call them from our side; they want one contact.",
    "Invoices sometimes arrive without the faktur pajak, which delays payment.",
    "Minimum order quantity is too high for their smaller branches.",
    "After-sales service is slow outside Java.",
    "Our online catalogue is outdated; specifications are hard to find.",
    "Credit limit reviews take too long when they grow.",
]
CHANNELS = [
    (Feedback.Channel.VISIT, 45),
    (Feedback.Channel.PHONE, 25),
    (Feedback.Channel.EMAIL, 10),
    (Feedback.Channel.SURVEY, 10),
    (Feedback.Channel.EVENT, 10),
]

# --- competitor intelligence ---------------------------------------------------------------------------------------

CATEGORIES: dict[str, list[str]] = {
    "Industrial lubricants": ["Lubrindo", "Pelumas Nusantara", "OliTama"],
    "Safety equipment (PPE)": ["Garda Safety", "ProtekIndo", "Aman Kerja Supply"],
    "Packaging materials": ["KemasPro", "Astana Pack", "Kardus Jaya Mandiri"],
    "Spare parts & bearings": ["Borneo Parts", "Sparindo", "TeknikParts Asia"],
    "Cleaning & hygiene chemicals": ["Tirta Clean", "HigienePlus", "Bersih Prima"],
    "Electrical & lighting": ["Terang Elektrik", "Voltindo", "Lumina Teknik"],
    "Maintenance services": ["Servis Andal", "Teknisi Nusantara", "MRO Partner Indonesia"],
    "Office & IT supplies": ["Kantorku Supply", "DataMitra", "Stasioneri Prima"],
    "Welding & tools": ["LasIndo", "Perkakas Utama", "ToolMart Pro"],
    "Medical consumables": ["Meditek Supply", "Husada Medis", "SteriPrima"],
    "Food-grade packaging": ["FoodPack Indonesia", "Higienis Kemas", "KemasPro"],
    "Heavy equipment parts": ["Alat Berat Mandiri", "Kalimantan Heavy Parts", "Borneo Parts"],
    "Cables & network hardware": ["Kabelindo Prima", "NetSarana", "Voltindo"],
}
INDUSTRY_CATEGORIES: dict[str, list[str]] = {
    "Manufacturing": ["Industrial lubricants", "Spare parts & bearings", "Safety equipment (PPE)",
                      "Packaging materials", "Welding & tools", "Maintenance services"],
    "Retail": ["Packaging materials", "Cleaning & hygiene chemicals", "Office & IT supplies", "Electrical & lighting"],
    "Hospitality": ["Cleaning & hygiene chemicals", "Electrical & lighting", "Maintenance services",
                    "Office & IT supplies"],
    "Construction": ["Safety equipment (PPE)", "Welding & tools", "Heavy equipment parts", "Electrical & lighting"],
    "Healthcare": ["Medical consumables", "Cleaning & hygiene chemicals", "Electrical & lighting",
                   "Office & IT supplies"],
    "Logistics": ["Industrial lubricants", "Spare parts & bearings", "Packaging materials", "Safety equipment (PPE)"],
    "Agribusiness": ["Industrial lubricants", "Spare parts & bearings", "Safety equipment (PPE)",
                     "Heavy equipment parts"],
    "Automotive": ["Industrial lubricants", "Spare parts & bearings", "Welding & tools", "Safety equipment (PPE)"],
    "Food & Beverage": ["Food-grade packaging", "Cleaning & hygiene chemicals", "Industrial lubricants",
                        "Maintenance services"],
    "Mining": ["Heavy equipment parts", "Industrial lubricants", "Safety equipment (PPE)", "Welding & tools"],
    "Education": ["Office & IT supplies", "Electrical & lighting", "Cleaning & hygiene chemicals"],
    "Telecommunications": ["Cables & network hardware", "Electrical & lighting", "Safety equipment (PPE)",
                           "Maintenance services"],
}  # fmt: skip
REASONS_NOT_US = [
    "About {pct}% cheaper, and they give TOP 60; we offer TOP 30.",
    "Their warehouse is close by, same-day delivery; ours takes 2-3 days to {city}.",
    "Long relationship with the owner's family; the competitor's director is a school friend.",
    "We do not carry the {category} range in the sizes and specs they need.",
    "Their technician is on site within 4 hours; our after-sales team in {city} is thin.",
    "Bundled into a yearly contract with other products; breaking it costs a penalty.",
    "Procurement buys from an approved vendor list and we are not registered yet.",
    "They tried us once, had a late delivery during a shutdown, and never came back.",
    "The competitor gives a year-end rebate and sponsors their company gathering.",
]
WHAT_WOULD_WIN = [
    "Match TOP 60 and hold prices for 12 months.",
    "Consignment stock at their site, invoiced on use.",
    "Bundle {category} with what they already buy from us, with a 3% volume rebate.",
    "A local technician in {city} with a 24-hour response SLA.",
    "Get registered on their vendor list (company documents, ISO 9001 certificate).",
    "A three-month trial order with free delivery and a named contact person.",
    "Free training for their maintenance team and a plant audit.",
    "Invite the Direktur to our factory visit and show the quality-control process.",
]


def load(*, users: dict) -> None:
    """Create the demo customers and everything known about them, unless they exist already."""
    if Customer.objects.filter(external_ref__startswith=REF_PREFIX).exists():
        return
    with transaction.atomic():
        _Demo(users=users, rng=random.Random(SEED), today=timezone.localdate()).run()


def _same_day(value: date, year: int) -> date:
    try:
        return value.replace(year=year)
    except ValueError:  # 29 February in a common year
        return date(year, 2, 28)


def _weighted(rng: random.Random, pairs: list[tuple[Any, int]]) -> Any:
    return rng.choices([value for value, _weight in pairs], weights=[weight for _value, weight in pairs])[0]


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


class _Demo:
    def __init__(self, *, users: dict, rng: random.Random, today: date) -> None:
        self.users = users
        self.rng = rng
        self.today = today
        self.names: set[str] = set()
        self.domains: set[str] = set()
        self.tax_ids: set[str] = set()
        self.contacts: dict[int, list[ContactPerson]] = {}
        self.size: dict[int, float] = {}  # how much the customer buys in a year, in units of IDR 50 juta
        self.topics: dict[str, InterestTopic] = {}
        self.username_of = {user.pk: username for username, user in users.items()}
        self.upcoming_contacts = dict(UPCOMING_CONTACTS)
        self.upcoming_members = dict(UPCOMING_MEMBERS)

    # --- small generators ------------------------------------------------------------------------------------------

    def owner_name(self, customer: Customer) -> str:
        return self.username_of[customer.owner_id]

    def landline(self, city: str) -> str:
        area = CITIES[city][0]
        if area == "21":
            return f"+62 21 {self.rng.randint(2900, 8999)} {self.rng.randint(1000, 9999)}"
        return f"+62 {area} {self.rng.randint(300, 899)} {self.rng.randint(1000, 9999)}"

    def mobile(self) -> str:
        prefix = self.rng.choice(["811", "812", "813", "821", "822", "852", "853", "857", "858", "878", "896"])
        return f"+62 {prefix}-{self.rng.randint(1000, 9999)}-{self.rng.randint(1000, 9999)}"

    def address(self, city: str) -> str:
        street, district, postcode = self.rng.choice(CITIES[city][1])
        street = street.format(n=self.rng.randint(1, 180), b=self.rng.choice("ABCDEFGHJK"))
        return f"{street}\nKec. {district}\n{city} {postcode}"

    def home_address(self, city: str) -> str:
        block = f"{self.rng.choice('ABCDEFGH')}{self.rng.randint(1, 12)}"
        return f"{self.rng.choice(HOUSING)} Blok {block} No. {self.rng.randint(1, 40)}\n{city}"

    def tax_id(self) -> str:
        while True:
            value = (
                f"{self.rng.choice(['01', '02', '03', '31', '66', '73', '80', '84'])}."
                f"{self.rng.randint(0, 999):03d}.{self.rng.randint(0, 999):03d}.{self.rng.randint(0, 9)}-"
                f"{self.rng.randint(0, 999):03d}.000"
            )
            if value not in self.tax_ids:
                self.tax_ids.add(value)
                return value

    def domain(self, words: list[str]) -> str:
        for count in range(2, len(words) + 1):
            candidate = _slug("".join(words[:count])) + ".co.id"
            if candidate not in self.domains:
                self.domains.add(candidate)
                return candidate
        candidate = _slug("".join(words)) + f"{len(self.domains)}.co.id"
        self.domains.add(candidate)
        return candidate

    def person(self, city: str, female: bool | None = None) -> tuple[str, str, bool]:
        """A (first name, surname, is female) that fits the region."""
        female = self.rng.random() < 0.4 if female is None else female
        if city == "Denpasar" and self.rng.random() < 0.7:
            first = self.rng.choice(BALINESE_FEMALE if female else BALINESE_MALE)
            return first, self.rng.choice(BALINESE_NAMES), female
        first = self.rng.choice(FEMALE if female else MALE)
        surnames = BATAK if city in ("Medan", "Pekanbaru") and self.rng.random() < 0.6 else SURNAMES
        return first, self.rng.choice(surnames), female

    def born(self, age: int) -> date:
        """A birthday for someone about `age` years old (the draws do not depend on today)."""
        month, day = self.rng.randint(1, 12), self.rng.randint(1, 28)
        born = date(self.today.year - age, month, day)
        return born if born <= self.today else born.replace(year=born.year - 1)

    def born_soon(self, age: int, days_ahead: int) -> date:
        """A birthday `days_ahead` days from today, `age` years ago."""
        upcoming = self.today + timedelta(days=days_ahead)
        return _same_day(upcoming, upcoming.year - age)

    def birthday(self, age: int, owner: str, quota: dict[str, int], chance: float) -> date:
        soon, days_ahead, born = self.rng.random() < chance, self.rng.randint(2, 26), self.born(age)
        if soon and quota.get(owner, 0) > 0:
            quota[owner] -= 1
            return self.born_soon(age, days_ahead)
        return born

    # --- the load --------------------------------------------------------------------------------------------------

    def run(self) -> None:
        customers = self.customers()
        self.teams(customers)
        for customer in customers:
            self.contacts[customer.pk] = self.company_contacts(customer) if customer.kind == "company" else []
        self.households(customers)
        for customer in customers:
            self.interests(customer)
        for customer in customers:
            if self.rng.random() < 0.5:
                self.feedback(customer)
        for customer in customers:
            if self.rng.random() < 0.6:
                self.competitor_intel(customer)

    def owners(self) -> list[str]:
        rest = CUSTOMER_COUNT - 2 * OWNED_BY_RM
        owners = ["rm"] * OWNED_BY_RM + ["rm2"] * OWNED_BY_RM + ["rep"] * (rest // 2) + ["rep2"] * (rest - rest // 2)
        self.rng.shuffle(owners)
        return owners

    def customers(self) -> list[Customer]:
        owners = self.owners()
        person_at = set(self.rng.sample(range(CUSTOMER_COUNT), PERSON_COUNT))
        profiles = iter(PERSON_PROFILES)
        customers = []
        for index, owner in enumerate(owners, start=1):
            city = _weighted(self.rng, TERRITORIES[owner])
            fields = self.person_fields(city, next(profiles)) if index - 1 in person_at else self.company_fields(city)
            fields.update(
                city=city,
                address=self.address(city),
                phone=self.landline(city) if fields["kind"] == "company" else self.mobile(),
                tax_id=self.tax_id(),
                external_ref=f"{REF_PREFIX}{index:04d}",
            )
            size = fields.pop("_size")
            customer = customer_create(by=self.users[owner], **fields)
            self.size[customer.pk] = size
            customers.append(customer)
        return customers

    def company_fields(self, city: str) -> dict[str, Any]:
        industry = _weighted(self.rng, [(name, weight) for name, (weight, _words) in INDUSTRIES.items()])
        trade = INDUSTRIES[industry][1]
        while True:
            pattern = self.rng.random()
            start, word, end = self.rng.choice(NAME_STARTS), self.rng.choice(trade), self.rng.choice(NAME_ENDS)
            words = [start, word, end] if pattern < 0.6 else [start, word] if pattern < 0.8 else [word, end]
            core = " ".join(words)
            if core not in self.names:
                self.names.add(core)
                break
        legal = self.rng.random()  # schools are often foundations; small family firms are a CV
        prefix = "Yayasan" if industry == "Education" and legal < 0.5 else "CV" if legal > 0.8 else "PT"
        size = self.rng.paretovariate(1.0) * INDUSTRY_SCALE[industry] / (3 if prefix == "CV" else 1)
        size = min(max(size, 1.0), 100.0)
        domain = self.domain(words)
        other = self.rng.choice([name for name in CITIES if name != city])
        notes = self.rng.sample(COMPANY_NOTES, self.rng.randint(1, 2))
        since = self.today.year - self.rng.randint(1, 15)
        return {
            "name": f"{prefix} {core}",
            "kind": Customer.Kind.COMPANY,
            "industry": industry,
            "email": f"{self.rng.choice(MAILBOXES)}@{domain}",
            "website": f"https://www.{domain}" if self.rng.random() < 0.85 else "",
            "notes": " ".join(note.format(since=since, other=other) for note in notes),
            "_size": size,
        }

    def person_fields(self, city: str, profile: tuple[str, str, str, str]) -> dict[str, Any]:
        occupation, business, industry, ambitions = profile
        female = self.rng.random() < 0.3
        first, surname, female = self.person(city, female=female)
        while f"{first} {surname}" in self.names:
            first, surname, female = self.person(city, female=female)
        self.names.add(f"{first} {surname}")
        domain = self.domain(business.split())
        return {
            "name": f"{first} {surname}",
            "kind": Customer.Kind.PERSON,
            "industry": industry,
            "email": f"{_slug(first.split()[-1])}@{domain}",
            "website": f"https://www.{domain}" if self.rng.random() < 0.5 else "",
            "occupation": f"{occupation}: {business}",
            "ambitions": ambitions,
            "notes": "Buys for the business in their own name; decides alone, pays promptly when the price is right.",
            "_size": max(1.0, min(self.rng.paretovariate(1.5), 5.0)),
        }

    def teams(self, customers: list[Customer]) -> None:
        gm = self.users["gm"]
        companies = sorted(
            (c for c in customers if c.kind == "company"), key=lambda c: (-self.size[c.pk], c.external_ref)
        )
        for rep, rm in (("rep", "rm"), ("rep2", "rm2")):
            biggest = [c for c in companies if self.owner_name(c) == rep][:RM_TEAM_SEATS]
            for customer in biggest:
                team_member_add(customer=customer, user=self.users[rm], by=gm, role="Relationship manager")
        # Helpers from the other territory, read-only: branches there, or a head office that decides.
        helpers = (
            ("rep", "rep2", "Covers their branch in East Java"),
            ("rep2", "rep", "Contact at their Jakarta head office"),
            ("rm", "rep", "Backup rep while the RM is on leave"),
        )
        for owner, helper, role in helpers:
            candidates = [c for c in companies if self.owner_name(c) == owner]
            for customer in self.rng.sample(candidates, 3):
                team_member_add(customer=customer, user=self.users[helper], by=gm, role=role, can_edit=False)

    def company_contacts(self, customer: Customer) -> list[ContactPerson]:
        owner = self.owner_name(customer)
        domain = customer.email.split("@")[1]
        count = self.rng.choice([1, 2, 2, 3, 3, 3, 4, 4]) + (1 if self.size[customer.pk] > 10 else 0)
        roles = self.rng.sample(OTHER_CONTACTS, min(count, 4) - 1)
        if customer.name.startswith("CV"):
            lead = ("Owner", "Direksi")
        elif customer.name.startswith("Yayasan"):
            lead = ("Ketua Yayasan", "Pengurus")
        else:
            lead = self.rng.choice(DECISION_MAKERS)
        contacts = []
        for position, (title, department, role) in enumerate([(*lead, DM), *roles]):
            first, surname, _female = self.person(customer.city)
            age = self.rng.randint(42, 62) if role == DM else self.rng.randint(26, 55)
            active = position == 0 or self.rng.random() > 0.1
            chance = 0.3 if active else 0.0
            note = self.rng.choice(CONTACT_NOTES) if self.rng.random() < 0.35 else ""
            if not active:
                note = f"Left the company in {self.today.year - 1}; ask who took over. {note}".strip()
            has_email = self.rng.random() < 0.85
            contact = contact_save(
                by=customer.owner,
                customer=customer,
                name=f"{first} {surname}",
                job_title=title,
                department=department,
                email=f"{_slug(first.split()[-1])}.{_slug(surname)}@{domain}" if has_email else "",
                phone=self.mobile(),
                birthday=self.birthday(age, owner, self.upcoming_contacts, chance),
                decision_role=role,
                notes=note,
                is_active=active,
            )
            contacts.append(contact)
        return contacts

    def households(self, customers: list[Customer]) -> None:
        for customer in customers:
            if customer.kind == "person":
                first, surname = customer.name.rsplit(" ", 1)
                female = first.split()[0] in FEMALE or first.startswith("Ni ")
                self.household(customer, surname=surname, female=female, relative_of=None)
        companies = sorted(
            (c for c in customers if c.kind == "company"), key=lambda c: (-self.size[c.pk], c.external_ref)
        )
        for customer in companies[:KEY_CONTACT_HOUSEHOLDS]:
            contact = self.contacts[customer.pk][0]  # the decision maker
            first, surname = contact.name.rsplit(" ", 1)
            female = first.split()[0] in FEMALE or first.startswith("Ni ")
            self.household(customer, surname=surname, female=female, relative_of=contact)

    def household(self, customer: Customer, *, surname: str, female: bool, relative_of: ContactPerson | None) -> None:
        owner = self.owner_name(customer)
        by = customer.owner
        age = self.rng.randint(40, 60)
        spouse_first, spouse_surname, _ = self.person(customer.city, female=not female)
        keeps_maiden_name = self.rng.random() < 0.5
        # The children carry the father's name, and so does the household.
        family = spouse_surname if female else surname
        spouse_name = f"{spouse_first} {spouse_surname if female or keeps_maiden_name else surname}"
        address = self.home_address(customer.city)
        household = household_save(by=by, customer=customer, name=f"Keluarga {family}", address=address)
        members = [
            {
                "name": spouse_name,
                "relation": HouseholdMember.Relation.SPOUSE,
                "birthday": self.birthday(age - self.rng.randint(-3, 6), owner, self.upcoming_members, 0.2),
                "occupation": self.rng.choice(SPOUSE_JOBS),
                "interests": self.rng.choice(SPOUSE_INTERESTS),
            }
        ]
        for _child in range(self.rng.choice([1, 2, 2, 3])):
            child_first, _, child_female = self.person(customer.city)
            child_age = self.rng.randint(3, 26)
            members.append(
                {
                    "name": f"{child_first} {family}",
                    "relation": HouseholdMember.Relation.CHILD,
                    "birthday": self.birthday(child_age, owner, self.upcoming_members, 0.2),
                    "occupation": self.school(child_age, child_female),
                    "interests": self.rng.choice(CHILD_INTERESTS),
                }
            )
        if self.rng.random() < 0.3:
            parent_first, maiden_name, parent_female = self.person(customer.city)
            members.append(
                {
                    "name": f"{parent_first} {maiden_name if parent_female else surname}",
                    "relation": HouseholdMember.Relation.PARENT,
                    "birthday": self.born(age + self.rng.randint(24, 32)),
                    "occupation": "Pensiunan (retired)",
                    "interests": self.rng.choice(PARENT_INTERESTS),
                }
            )
        for fields in members:
            note = self.rng.choice(MEMBER_NOTES) if self.rng.random() < 0.3 else ""
            household_member_save(by=by, household=household, relative_of=relative_of, notes=note, **fields)

    @staticmethod
    def school(age: int, female: bool) -> str:
        if age < 6:
            return "TK (kindergarten)"
        if age < 12:
            return "Siswa SD"
        if age < 15:
            return "Siswa SMP"
        if age < 18:
            return "Siswi SMA" if female else "Siswa SMA"
        if age < 23:
            return "Mahasiswi" if female else "Mahasiswa"
        return "Karyawan swasta"

    def interests(self, customer: Customer) -> None:
        active = [c for c in self.contacts[customer.pk] if c.is_active]
        for topic in self.rng.sample(sorted(INTERESTS), self.rng.randint(1, 5)):
            sentiment, note = self.rng.choice(INTERESTS[topic])
            contact = self.rng.choice(active) if active and self.rng.random() < 0.4 else None
            if topic not in self.topics:  # the shared vocabulary, looked up once per topic
                self.topics[topic] = interest_topic_get_or_create(name=topic)
            interest_save(
                by=customer.owner,
                customer=customer,
                topic=self.topics[topic],
                sentiment=Interest.Sentiment(sentiment),
                note=note,
                contact=contact,
            )

    def feedback(self, customer: Customer) -> None:
        active = [c for c in self.contacts[customer.pk] if c.is_active]
        rep = customer.owner.first_name or "Our rep"
        for _entry in range(self.rng.choice([1, 1, 2, 2, 3])):
            asked = self.rng.sample(["wants", "would_buy", "likes", "dislikes"], self.rng.randint(2, 4))
            answers = {
                "wants": self.rng.choice(WANTS).format(city=customer.city),
                "would_buy": self.rng.choice(WOULD_BUY),
                "likes": self.rng.choice(LIKES).format(rep=rep),
                "dislikes": self.rng.choice(DISLIKES).format(city=customer.city),
            }
            fields = {name: answers[name] for name in asked}
            if "likes" in fields and "dislikes" not in fields:
                sentiment = Feedback.Sentiment.POSITIVE
            elif "dislikes" in fields and "likes" not in fields:
                sentiment = Feedback.Sentiment.NEGATIVE
            else:
                sentiment = Feedback.Sentiment.NEUTRAL
            feedback_save(
                by=customer.owner,
                customer=customer,
                contact=self.rng.choice(active) if active and self.rng.random() < 0.8 else None,
                asked_on=self.today - timedelta(days=self.rng.randint(3, 540)),
                channel=_weighted(self.rng, CHANNELS),
                sentiment=sentiment,
                **fields,
            )

    def competitor_intel(self, customer: Customer) -> None:
        categories = self.rng.sample(INDUSTRY_CATEGORIES[customer.industry], self.rng.choice([1, 1, 2, 2, 3]))
        for category in categories:
            spend = 50_000_000 * self.size[customer.pk] * self.rng.uniform(0.6, 1.4)
            spend = min(max(spend, 50_000_000), 5_000_000_000)
            template = {"pct": self.rng.randint(5, 15), "city": customer.city, "category": category.lower()}
            competitor_intel_save(
                by=customer.owner,
                customer=customer,
                competitor_brand=self.rng.choice(CATEGORIES[category]),
                product_category=category,
                estimated_annual_spend=Decimal(round(spend / 5_000_000) * 5_000_000),
                reason_not_us=self.rng.choice(REASONS_NOT_US).format(**template),
                what_would_win=self.rng.choice(WHAT_WOULD_WIN).format(**template),
                last_confirmed_on=self.today - timedelta(days=self.rng.randint(0, 400)),
            )
