"""Place names that the locations draw on directly: the API's timezones, and real regions and cities for the
countries where Faker has none (Norwegian and New Zealand regions, Serbian and Turkish cities and regions)."""

# The API's 30 (offset, description) pairs (its list loader drops the last line, +12:00).
TIMEZONES: tuple[tuple[str, str], ...] = (
    ("-12:00", "Eniwetok, Kwajalein"),
    ("-11:00", "Midway Island, Samoa"),
    ("-10:00", "Hawaii"),
    ("-9:00", "Alaska"),
    ("-8:00", "Pacific Time (US & Canada)"),
    ("-7:00", "Mountain Time (US & Canada)"),
    ("-6:00", "Central Time (US & Canada), Mexico City"),
    ("-5:00", "Eastern Time (US & Canada), Bogota, Lima"),
    ("-4:00", "Atlantic Time (Canada), Caracas, La Paz"),
    ("-3:30", "Newfoundland"),
    ("-3:00", "Brazil, Buenos Aires, Georgetown"),
    ("-2:00", "Mid-Atlantic"),
    ("-1:00", "Azores, Cape Verde Islands"),
    ("0:00", "Western Europe Time, London, Lisbon, Casablanca"),
    ("+1:00", "Brussels, Copenhagen, Madrid, Paris"),
    ("+2:00", "Kaliningrad, South Africa"),
    ("+3:00", "Baghdad, Riyadh, Moscow, St. Petersburg"),
    ("+3:30", "Tehran"),
    ("+4:00", "Abu Dhabi, Muscat, Baku, Tbilisi"),
    ("+4:30", "Kabul"),
    ("+5:00", "Ekaterinburg, Islamabad, Karachi, Tashkent"),
    ("+5:30", "Bombay, Calcutta, Madras, New Delhi"),
    ("+5:45", "Kathmandu"),
    ("+6:00", "Almaty, Dhaka, Colombo"),
    ("+7:00", "Bangkok, Hanoi, Jakarta"),
    ("+8:00", "Beijing, Perth, Singapore, Hong Kong"),
    ("+9:00", "Tokyo, Seoul, Osaka, Sapporo, Yakutsk"),
    ("+9:30", "Adelaide, Darwin"),
    ("+10:00", "Eastern Australia, Guam, Vladivostok"),
    ("+11:00", "Magadan, Solomon Islands, New Caledonia"),
)

RS_CITIES = (
    "Beograd", "Novi Sad", "Niš", "Kragujevac", "Subotica", "Zrenjanin",
    "Pančevo", "Čačak", "Kraljevo", "Novi Pazar", "Smederevo", "Leskovac",
    "Užice", "Vranje", "Valjevo", "Šabac", "Sombor", "Požarevac", "Pirot",
    "Zaječar", "Kikinda", "Sremska Mitrovica", "Jagodina", "Vršac", "Bor",
    "Prokuplje", "Loznica", "Inđija", "Ćuprija", "Aleksinac", "Paraćin",
    "Kruševac", "Bačka Palanka", "Bečej", "Kladovo", "Ivanjica", "Aranđelovac",
)
RS_STATES = (
    "Severna Bačka", "Srednji Banat", "Severni Banat", "Južni Banat",
    "Zapadna Bačka", "Južna Bačka", "Srem", "Mačva", "Kolubara", "Podunavlje",
    "Braničevo", "Šumadija", "Pomoravlje", "Bor", "Zaječar", "Zlatibor",
    "Moravica", "Raška", "Rasina", "Nišava", "Toplica", "Pirot", "Jablanica",
    "Pčinja", "Beograd",
)
TR_PROVINCES = (
    "Adana", "Adıyaman", "Afyonkarahisar", "Ağrı", "Aksaray", "Amasya",
    "Ankara", "Antalya", "Ardahan", "Artvin", "Aydın", "Balıkesir", "Bartın",
    "Batman", "Bayburt", "Bilecik", "Bingöl", "Bitlis", "Bolu", "Burdur",
    "Bursa", "Çanakkale", "Çankırı", "Çorum", "Denizli", "Diyarbakır",
    "Düzce", "Edirne", "Elazığ", "Erzincan", "Erzurum", "Eskişehir",
    "Gaziantep", "Giresun", "Gümüşhane", "Hakkari", "Hatay", "Iğdır",
    "Isparta", "İstanbul", "İzmir", "Kahramanmaraş", "Karabük", "Karaman",
    "Kars", "Kastamonu", "Kayseri", "Kırıkkale", "Kırklareli", "Kırşehir",
    "Kilis", "Kocaeli", "Konya", "Kütahya", "Malatya", "Manisa", "Mardin",
    "Mersin", "Muğla", "Muş", "Nevşehir", "Niğde", "Ordu", "Osmaniye", "Rize",
    "Sakarya", "Samsun", "Siirt", "Sinop", "Sivas", "Şanlıurfa", "Şırnak",
    "Tekirdağ", "Tokat", "Trabzon", "Tunceli", "Uşak", "Van", "Yalova",
    "Yozgat", "Zonguldak",
)
NO_COUNTIES = (
    "Oslo", "Rogaland", "Møre og Romsdal", "Nordland", "Viken", "Innlandet",
    "Vestfold og Telemark", "Agder", "Vestland", "Trøndelag",
    "Troms og Finnmark", "Østfold", "Akershus", "Buskerud", "Hedmark",
    "Oppland", "Vestfold", "Telemark", "Aust-Agder", "Vest-Agder",
    "Hordaland", "Sogn og Fjordane", "Troms - Romsa", "Finnmark - Finnmárku",
)
NZ_REGIONS = (
    "Northland", "Auckland", "Waikato", "Bay of Plenty", "Gisborne",
    "Hawke's Bay", "Taranaki", "Manawatu-Wanganui", "Wellington", "Tasman",
    "Nelson", "Marlborough", "West Coast", "Canterbury", "Otago", "Southland",
)
