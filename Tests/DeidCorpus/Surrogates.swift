import RaddCore

/// Synthetic PHI values in the forms real reports use. Phone numbers are in the 555-01xx range
/// reserved for fiction, SSNs start with 9 (never issued), domains end in example.org/.com/.net.
enum Surrogates {
    static func date(_ date: CalendarDate, _ rng: inout SplitMix64) -> String {
        let y2 = date.pad(date.year % 100)
        switch rng.int(0...12) {
        case 0: return "\(date.pad(date.month))/\(date.pad(date.day))/\(date.year)"
        case 1: return "\(date.month)/\(date.day)/\(y2)"
        case 2: return date.iso
        case 3: return "\(date.monthName) \(date.day), \(date.year)"
        case 4: return "\(date.day) \(date.monthAbbreviation) \(date.year)"
        case 5: return "\(date.day)-\(date.monthAbbreviation.uppercased())-\(date.year)"
        case 6: return "\(date.year)\(date.pad(date.month))\(date.pad(date.day))"
        case 7: return "\(date.monthAbbreviation). \(date.day), \(date.year)"
        case 8: return "\(date.day) \(date.monthName) \(date.year)"
        case 9: return "\(date.pad(date.month))-\(date.pad(date.day))-\(date.year)"
        case 10: return "\(date.month)/\(date.day)/\(date.year)"
        case 11: return "\(date.monthName) \(date.year)"
        default: return "\(date.pad(date.month))/\(date.pad(date.day))/\(date.year)"
        }
    }

    /// Month and day only, as in "on 3/14" or "since Mar 14".
    static func shortDate(_ date: CalendarDate, _ rng: inout SplitMix64) -> String {
        switch rng.int(0...2) {
        case 0: return "\(date.month)/\(date.day)"
        case 1: return "\(date.monthAbbreviation) \(date.day)"
        default: return "\(date.monthName) \(date.day)"
        }
    }

    /// The time, and a word after it that is not part of it ("1032" + " hours").
    static func time(_ rng: inout SplitMix64) -> (time: String, suffix: String) {
        let hour = rng.int(0...23), minute = rng.int(0...59)
        let h12 = hour % 12 == 0 ? 12 : hour % 12
        let mm = minute < 10 ? "0\(minute)" : "\(minute)"
        let hh = hour < 10 ? "0\(hour)" : "\(hour)"
        switch rng.int(0...5) {
        case 0: return ("\(hh):\(mm)", "")
        case 1: return ("\(h12):\(mm) \(hour < 12 ? "AM" : "PM")", "")
        case 2: return ("\(hh)\(mm)", " hours")
        case 3: return ("\(hh):\(mm):\(rng.int(0...5))\(rng.digits(1))", "")
        case 4: return ("\(h12):\(mm) \(hour < 12 ? "a.m." : "p.m.")", "")
        default: return ("\(hh)\(mm)h", "")
        }
    }

    static let areaCodes = ["317", "812", "765", "260", "219", "574", "502", "773", "513"]

    static func phone(_ rng: inout SplitMix64) -> String {
        let area = rng.pick(areaCodes), line = "01\(rng.digits(2))"
        switch rng.int(0...6) {
        case 0: return "(\(area)) 555-\(line)"
        case 1: return "\(area)-555-\(line)"
        case 2: return "\(area).555.\(line)"
        case 3: return "\(area)-555-\(line) ext. \(rng.digits(4))"
        case 4: return "+1 \(area) 555 \(line)"
        case 5: return "(\(area))555-\(line) x\(rng.digits(3))"
        default: return "1-\(area)-555-\(line)"
        }
    }

    static let emailDomains = ["example.org", "iuhealth.example.org", "methodist.example.com",
                               "mail.example.net", "radpartners.example.com"]

    static func email(_ person: Person, _ rng: inout SplitMix64) -> String {
        let family = asciiLetters(person.family), given = asciiLetters(person.given)
        let local: String
        switch rng.int(0...3) {
        case 0: local = "\(given).\(family)"
        case 1: local = "\(given.prefix(1))\(family)"
        case 2: local = "\(family)\(rng.digits(2))"
        default: local = "\(given)_\(family.prefix(1))"
        }
        return "\(local)@\(rng.pick(emailDomains))"
    }

    static func url(accession: String, _ rng: inout SplitMix64) -> String {
        switch rng.int(0...3) {
        case 0: return "https://pacs.example.org/viewer?acc=\(accession)"
        case 1: return "www.patientportal.example.com/records/\(rng.digits(7))"
        case 2: return "http://imaging.example.net/study/\(rng.digits(6))"
        default: return "https://share.example.org/s/\(rng.letters(6).lowercased())\(rng.digits(3))"
        }
    }

    static func ipAddress(_ rng: inout SplitMix64) -> String {
        switch rng.int(0...2) {
        case 0: return "10.\(rng.int(0...255)).\(rng.int(0...255)).\(rng.int(1...254))"
        case 1: return "192.168.\(rng.int(0...255)).\(rng.int(1...254))"
        default: return "172.\(rng.int(16...31)).\(rng.int(0...255)).\(rng.int(1...254))"
        }
    }

    static func ssn(_ rng: inout SplitMix64) -> String {
        "9\(rng.digits(2))-\(rng.digits(2))-\(rng.digits(4))"
    }

    static func mrn(_ rng: inout SplitMix64) -> String {
        switch rng.int(0...3) {
        case 0: return "00\(rng.digits(6))"
        case 1: return "\(rng.int(1...9))\(rng.digits(6))"
        case 2: return "E\(rng.digits(7))"
        default: return "\(rng.int(1...9))\(rng.digits(7))"
        }
    }

    static func accession(year: Int, _ rng: inout SplitMix64) -> String {
        switch rng.int(0...4) {
        case 0: return "RAD-\(year)-\(rng.digits(6))"
        case 1: return "A\(rng.digits(7))"
        case 2: return "CT\(year % 100)-\(rng.digits(7))"
        case 3: return "\(year)RA\(rng.digits(6))"
        default: return "\(rng.int(1...9))\(rng.digits(8))"
        }
    }

    static func account(_ rng: inout SplitMix64) -> String {
        rng.chance(0.5) ? "\(rng.int(1...9))\(rng.digits(7))" : "\(rng.int(1...9))\(rng.digits(10))"
    }

    static func deviceSerial(_ rng: inout SplitMix64) -> String {
        switch rng.int(0...2) {
        case 0: return "SN-\(rng.digits(4))-\(rng.letters(2))\(rng.digits(1))"
        case 1: return "\(rng.letters(3))\(rng.digits(6))\(rng.letters(1))"
        default: return "\(rng.digits(4))\(rng.letters(2))\(rng.digits(2))"
        }
    }

    static func licence(_ rng: inout SplitMix64) -> String {
        switch rng.int(0...2) {
        case 0: return "\(rng.digits(8))A"
        case 1: return "IN-\(rng.digits(8))"
        default: return "1\(rng.digits(9))"
        }
    }

    static let streets = ["Meridian St", "Washington Street", "Keystone Ave", "College Avenue",
                          "Michigan Rd", "Fall Creek Pkwy", "Elm Street", "Maple Dr", "Oak Lane",
                          "Broad Ripple Ave", "Pendleton Pike", "Allisonville Road", "Main St",
                          "Hillside Ave", "Rosewood Ct", "Stonegate Blvd"]
    static let cities: [(city: String, zip: String)] = [
        ("Indianapolis", "46202"), ("Carmel", "46032"), ("Fishers", "46038"), ("Bloomington", "47401"),
        ("Muncie", "47303"), ("Lafayette", "47901"), ("Terre Haute", "47807"), ("Evansville", "47708"),
        ("Fort Wayne", "46802"), ("Kokomo", "46901"), ("Noblesville", "46060"), ("Greenwood", "46142"),
        ("Zionsville", "46077"), ("Martinsville", "46151"), ("Richmond", "47374"), ("Columbus", "47201"),
        ("Anderson", "46016"), ("Franklin", "46131"),
    ]
    static let outOfStateCities = ["Louisville, KY", "Chicago, IL", "Cincinnati, OH", "Dayton, OH"]

    static func address(_ rng: inout SplitMix64) -> String {
        let place = rng.pick(cities)
        let number = "\(rng.int(1...9))\(rng.digits(rng.int(0...3)))"
        let direction = rng.pick(["", "N ", "S ", "E ", "W ", "North "])
        let unit = rng.chance(0.25) ? ", Apt \(rng.int(1...30))\(rng.pick(["", "B", "C"]))" : ""
        let zip = rng.chance(0.2) ? "\(place.zip)-\(rng.digits(4))" : place.zip
        if rng.chance(0.1) { return "PO Box \(rng.digits(4)), \(place.city), IN \(zip)" }
        return "\(number) \(direction)\(rng.pick(streets))\(unit), \(place.city), IN \(zip)"
    }

    /// Addresses abroad, in each country's own order and punctuation (house number after the
    /// street, postcode before the city, "ul."/"vul."/"kv." abbreviations): the patient's or a
    /// relative's home, or where a prior study was done. Streets and cities are real public
    /// places; the numbers are random.
    static func foreignAddress(_ rng: inout SplitMix64) -> String {
        let number = rng.int(1...120)
        switch rng.int(0...8) {
        case 0:
            let street = rng.pick(["Kossuth Lajos utca", "Andrássy út", "Váci utca", "Rákóczi út", "Béke tér"])
            return "\(street) \(number), \(rng.pick(["1055", "1061", "1052", "1073"])) Budapest"
        case 1:
            let street = rng.pick(["Mannerheimintie", "Hämeenkatu", "Aleksanterinkatu", "Itäinen Pitkäkatu"])
            let city = rng.pick(["00100 Helsinki", "33100 Tampere", "20100 Turku"])
            return "\(street) \(number) \(rng.pick(["A", "B", "C"])) \(rng.int(1...40)), \(city)"
        case 2:
            let street = rng.pick(["Marszałkowska", "Piotrkowska", "Długa", "Świętokrzyska", "Floriańska"])
            let city = rng.pick(["00-590 Warszawa", "90-410 Łódź", "31-019 Kraków", "80-831 Gdańsk"])
            return "ul. \(street) \(number)\(rng.chance(0.4) ? "/\(rng.int(1...60))" : ""), \(city)"
        case 3:
            let street = rng.pick(["Tverskaya", "Arbat", "Nevsky prospekt", "Lenina"])
            let city = rng.pick(["Moskva 125009", "Sankt-Peterburg 191186", "Kazan 420111"])
            return "ul. \(street) \(number), kv. \(rng.int(1...200)), \(city)"
        case 4:
            let street = rng.pick(["Khreshchatyk", "Sumska", "Deribasivska", "Shevchenka"])
            return "vul. \(street) \(number), \(rng.pick(["Kyiv 01001", "Kharkiv 61002", "Odesa 65026", "Lviv 79000"]))"
        case 5:
            let street = rng.pick(["Atatürk Cad.", "İstiklal Cad.", "Cumhuriyet Mah.", "Bağdat Cad."])
            return "\(street) No: \(number), \(rng.pick(["06420 Çankaya/Ankara", "34433 Beyoğlu/İstanbul", "35220 Konak/İzmir"]))"
        case 6:
            let street = rng.pick(["Awolowo Road", "Adeola Odeku Street", "Allen Avenue", "Ahmadu Bello Way"])
            return "\(number) \(street), \(rng.pick(["Ikoyi, Lagos", "Victoria Island, Lagos", "Ikeja, Lagos", "Garki, Abuja"]))"
        case 7:
            let street = rng.pick(["Lý Thường Kiệt", "Nguyễn Huệ", "Lê Lợi", "Trần Hưng Đạo"])
            return "\(number) \(street), \(rng.pick(["Hoàn Kiếm, Hà Nội", "Quận 1, TP. Hồ Chí Minh", "Hải Châu, Đà Nẵng"]))"
        default:
            let street = rng.pick(["Hauptstraße", "Schillerstraße", "Kaiserstraße"])
            return "\(street) \(number), \(rng.pick(["10115 Berlin", "80331 München", "50667 Köln"]))"
        }
    }

    /// A year alone in two digits with its apostrophe, as in "CABG '98": the year of a date is PHI.
    static func apostropheYear(_ date: CalendarDate) -> String {
        "'" + date.pad(date.year % 100)
    }

    static let hospitals = ["Methodist Hospital", "St. Vincent Medical Center", "Riley Children's Hospital",
                            "IU Health University Hospital", "Eskenazi Health", "Community Hospital North",
                            "Franciscan Health Indianapolis", "Witham Memorial Hospital",
                            "Ball Memorial Hospital", "Deaconess Midtown Hospital", "Hendricks Regional Health",
                            "St. Francis Hospital", "Union Hospital", "Parkview Regional Medical Center",
                            "Mercy General Hospital", "Good Samaritan Hospital"]

    private static func asciiLetters(_ text: String) -> String {
        String(text.lowercased().unicodeScalars.filter { $0.isASCII && $0.properties.isAlphabetic }.map(Character.init))
    }
}
