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
