// SOURCE: hand-written for this corpus. The 1990 census lists are mostly Anglo names; real
// reports also carry names with diacritics, particles, hyphens and apostrophes, which test both
// a finder's patterns and its Unicode-scalar offsets.

enum WorldNames {
    static let given: [String] = [
        "José", "María", "Nguyễn Thị", "Thanh", "Oluwaseun", "Chidi", "Aigerim", "Xiaoming",
        "Priya", "Rajesh", "Fatima", "Mohammed", "Søren", "Zoë", "Björn", "Ana Lucía", "Jürgen",
        "Siobhán", "Yusuf", "Mei", "Hiroshi", "Anh", "Kwame", "Małgorzata", "Dragan", "Ngozi",
        // Decomposed (NFD) spellings: a finder counting Characters instead of scalars drifts here.
        "Jose\u{301}", "Rene\u{301}e",
    ]

    static let family: [String] = [
        "Nguyen", "García-López", "O'Brien", "Van der Berg", "de la Cruz", "Okonkwo", "Kowalski",
        "Alvarez", "Müller", "Øster", "Papadopoulos", "Abdullah", "Al-Rashid", "Tanaka", "Chen",
        "Patel", "Singh", "Ivanova", "Đorđević", "Ní Bhriain", "McAllister", "D'Angelo",
        "Sjöberg", "Hernández", "Adeyemi", "Kim", "Pham", "Mbeki", "Nowak", "Yamamoto",
        "Mu\u{308}ller",
    ]
}

/// Names as immigrant and international patients' names appear in US and European reports:
/// transliterated into the Latin alphabet, with the diacritics their own Latin spelling has
/// (Hungarian, Finnish, Polish, Turkish, Vietnamese) and without for the transliterated ones
/// (Russian, Ukrainian, Arabic, Chinese, Nigerian). Hand-written for this corpus from common
/// names of each origin; none is a real patient. A person's given and family name come from one
/// origin, so "Zoltán Kovács" and "Nguyễn Thu" rather than random mixes.
struct NameOrigin {
    var origin: String
    var given: [String]
    var family: [String]

    static let all: [NameOrigin] = [
        NameOrigin(origin: "Hungarian", given: [
            "Zoltán", "László", "István", "József", "Gábor", "Ferenc", "Attila", "Tamás", "Balázs", "Péter",
            "Katalin", "Erzsébet", "Zsuzsanna", "Ildikó", "Krisztina", "Éva", "Andrea", "Judit", "Réka", "Orsolya",
            "Gyöngyi",
        ], family: [
            "Nagy", "Kovács", "Tóth", "Szabó", "Horváth", "Varga", "Kiss", "Molnár", "Németh", "Farkas",
            "Balogh", "Papp", "Takács", "Juhász", "Lakatos", "Mészáros", "Oláh", "Rácz", "Fekete", "Szűcs",
            "Hegedűs",
        ]),
        NameOrigin(origin: "Finnish", given: [
            "Matti", "Juha", "Timo", "Jari", "Mikko", "Antti", "Pekka", "Sami", "Heikki", "Tuomas",
            "Aino", "Tuula", "Päivi", "Sirpa", "Riitta", "Anneli", "Marjatta", "Hanna", "Kaisa", "Leena", "Satu",
        ], family: [
            "Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen",
            "Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen", "Heinonen", "Niemi",
            "Heikkilä", "Kinnunen", "Salonen", "Turunen", "Laitinen",
        ]),
        NameOrigin(origin: "Russian", given: [
            "Dmitry", "Sergei", "Alexei", "Vladimir", "Nikolai", "Andrei", "Mikhail", "Yevgeny", "Pavel", "Igor",
            "Oleg", "Natalya", "Olga", "Tatiana", "Svetlana", "Yelena", "Irina", "Anastasia", "Ekaterina",
            "Lyudmila", "Galina",
        ], family: [
            "Ivanov", "Smirnov", "Kuznetsov", "Popov", "Vasiliev", "Petrov", "Sokolov", "Mikhailov", "Novikov",
            "Fedorov", "Morozov", "Volkov", "Alekseev", "Lebedev", "Semenov", "Yegorov", "Pavlov", "Kozlov",
            "Stepanov", "Nikolaev", "Orlova", "Volkova", "Sokolova",
        ]),
        NameOrigin(origin: "Ukrainian", given: [
            "Oleksandr", "Andriy", "Volodymyr", "Mykola", "Serhiy", "Taras", "Bohdan", "Yuriy", "Vasyl", "Ihor",
            "Dmytro", "Oksana", "Olena", "Iryna", "Nataliya", "Halyna", "Larysa", "Kateryna", "Yuliya",
            "Svitlana", "Hanna",
        ], family: [
            "Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Kravchenko", "Oliynyk", "Shevchuk", "Koval",
            "Polishchuk", "Bondar", "Tkachuk", "Moroz", "Marchenko", "Lysenko", "Rudenko", "Savchenko",
            "Petrenko", "Kovalchuk", "Melnyk", "Boyko", "Kravets", "Hrytsenko",
        ]),
        NameOrigin(origin: "Polish", given: [
            "Krzysztof", "Andrzej", "Tomasz", "Piotr", "Paweł", "Marcin", "Michał", "Grzegorz", "Jerzy",
            "Tadeusz", "Wojciech", "Agnieszka", "Katarzyna", "Barbara", "Ewa", "Krystyna", "Elżbieta", "Joanna",
            "Magdalena", "Jadwiga", "Urszula", "Beata",
        ], family: [
            "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński",
            "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur", "Kwiatkowski", "Krawczyk",
            "Piotrowski", "Grabowski", "Pawłowski", "Michalski", "Wróblewska", "Zając",
        ]),
        NameOrigin(origin: "Turkish", given: [
            "Mehmet", "Mustafa", "Ahmet", "Hüseyin", "Hasan", "İbrahim", "Murat", "Ömer", "Emre", "Burak",
            "Yusuf", "Ayşe", "Fatma", "Emine", "Hatice", "Zeynep", "Elif", "Özlem", "Gülsüm", "Şerife", "Merve",
            "Büşra",
        ], family: [
            "Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım", "Öztürk", "Aydın", "Özdemir",
            "Arslan", "Doğan", "Kılıç", "Aslan", "Çetin", "Kara", "Koç", "Kurt", "Özkan", "Şimşek", "Polat",
            "Erdoğan",
        ]),
        NameOrigin(origin: "Arabic", given: [
            "Ahmed", "Omar", "Khalid", "Abdullah", "Hassan", "Hussein", "Ali", "Youssef", "Tariq", "Karim",
            "Mahmoud", "Ibrahim", "Fatima", "Aisha", "Mariam", "Noor", "Layla", "Huda", "Rania", "Samira",
            "Amal", "Yasmin", "Zainab",
        ], family: [
            "Al-Sayed", "Haddad", "Nasser", "Khalil", "Mansour", "Hamdan", "Saleh", "Abbas", "Al-Masri",
            "El-Sayed", "Rahman", "Aziz", "Farouk", "Qasim", "Bakr", "Darwish", "Hijazi", "Al-Amin", "Shaheen",
            "Jaber", "Abu-Zahra", "Al-Hashimi", "Barakat",
        ]),
        NameOrigin(origin: "Vietnamese", given: [
            "Minh", "Huy", "Tuấn", "Dũng", "Hùng", "Quang", "Phúc", "Long", "Khánh", "Bảo", "Hiếu", "Linh",
            "Lan", "Hương", "Trang", "Hoa", "Ngọc", "Thảo", "Phương", "Mai", "Huyền", "Thu",
        ], family: [
            "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
            "Ngô", "Dương", "Lý", "Tran", "Le", "Pham", "Hoang", "Vo", "Dang",
        ]),
        NameOrigin(origin: "Chinese", given: [
            "Wei", "Fang", "Jing", "Lei", "Yan", "Jun", "Hui", "Ming", "Li Na", "Xiu Ying", "Zhiwei", "Jianguo",
            "Xiaoling", "Yuxuan", "Haoran", "Zihan", "Yifan", "Mingzhu", "Qiang", "Tao", "Lihua", "Shu Fen",
        ], family: [
            // Not "He": a surname, but also the pronoun on every other line of a report.
            "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma",
            "Zhu", "Hu", "Guo", "Lin", "Gao", "Luo", "Zheng", "Liang", "Xie", "Tang",
        ]),
        NameOrigin(origin: "Nigerian", given: [
            "Chukwuemeka", "Adebayo", "Babatunde", "Olumide", "Emeka", "Ikenna", "Obinna", "Tunde", "Segun",
            "Femi", "Chinedu", "Chioma", "Adaeze", "Folake", "Funmilayo", "Yetunde", "Nkechi", "Amaka",
            "Bukola", "Temitope", "Ifeoma",
        ], family: [
            "Okafor", "Okonkwo", "Adeyemi", "Balogun", "Ogunleye", "Eze", "Nwosu", "Obi", "Okeke", "Afolabi",
            "Oyelaran", "Ogunbanjo", "Chukwu", "Ibekwe", "Nnamdi", "Olawale", "Adewale", "Bello", "Abubakar",
            "Danjuma", "Oladipo",
        ]),
    ]
}
