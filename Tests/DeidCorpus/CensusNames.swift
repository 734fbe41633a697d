// SOURCE: US Census Bureau 1990 name frequency files (public domain), as shipped in the PyPI
// package `names` 0.3.0 (names/dist.all.last, dist.female.first, dist.male.first). Subset chosen
// by rank so that both common and rare names occur; the selection rule is in SOURCE.txt.
// Generated file: edit the rule there and regenerate rather than editing the lists by hand.

enum CensusNames {
    /// Every 5th of the 1,000 most frequent surnames.
    static let frequentSurnames: [String] = [
        "Smith", "Davis", "Anderson", "Martin", "Clark", "Hall", "Wright", "Adams", "Mitchell",
        "Campbell", "Stewart", "Cook", "Rivera", "Ward", "James", "Price", "Henderson", "Butler",
        "Alexander", "Myers", "Wallace", "Owens", "Gibson", "Gomez", "Simpson", "Hicks", "Morales",
        "Reyes", "Rice", "Palmer", "Ferguson", "Perkins", "Payne", "Wagner", "Carroll", "Bradley",
        "Fox", "Greene", "Austin", "Vasquez", "Montgomery", "Meyer", "Morrison", "Jacobs", "Dean",
        "Larson", "Mendoza", "Brewer", "Holland", "Byrd", "Herrera", "Neal", "Obrien", "Lucas",
        "Holt", "Hale", "Haynes", "Parks", "Love", "Barker", "Keller", "Lyons", "Benson",
        "Cummings", "Hubbard", "Burgess", "Mann", "McGee", "Glover", "Robbins", "Ingram", "Potter",
        "Ortega", "Goodman", "Hodges", "Norman", "Moody", "Floyd", "Lindsey", "Gross", "Saunders",
        "Greer", "Ballard", "Klein", "Zimmerman", "Roy", "Brock", "Bass", "Park", "Norton",
        "Figueroa", "Tran", "Cortez", "Cain", "Collier", "Bridges", "Wilcox", "Richard", "Gates",
        "Vazquez", "Espinoza", "Kirk", "Skinner", "Bradford", "Bruce", "Hancock", "Wiggins",
        "Cameron", "Baxter", "Hoover", "Meyers", "Horn", "Woodard", "Patel", "Navarro", "Duran",
        "Robles", "Rich", "Trevino", "Callahan", "McDowell", "Wilkinson", "Orr", "Knox", "Serrano",
        "Roth", "Nixon", "Juarez", "Boyer", "Kent", "Pace", "Leach", "Noble", "Durham", "Rivers",
        "Rush", "Weeks", "Middleton", "Kerr", "Solis", "William", "Koch", "Nolan", "Kane",
        "Valentine", "Moon", "Mays", "Meadows", "Barry", "Hendricks", "Cardenas", "Donaldson",
        "Fuentes", "Key", "Battle", "Hinton", "McNeil", "McFarland", "Macdonald", "Farley",
        "Joyner", "Bender", "Travis", "Dunlap", "McCarty", "Cotton", "Fulton", "Pollard", "Riddle",
        "Guy", "Berger", "Riggs", "Valenzuela", "Acevedo", "Reilly", "Craft", "Baird", "Witt",
        "Kinney", "Emerson", "Lancaster", "Whitfield", "Ratliff", "Goff", "Good", "Carney", "Finch",
        "Haney", "Rasmussen", "Foreman", "Dejesus", "Wooten", "Buckner", "Cooke",
    ]

    /// 150 surnames evenly spaced over ranks 1,001 to 88,799.
    static let rareSurnames: [String] = [
        "Shea", "Coulter", "Rader", "Olvera", "Tillery", "Provost", "Langer", "Devoe", "Abram",
        "Deen", "McComas", "Ayotte", "Sloat", "Strasser", "Ramsdell", "Ridings", "Duffield",
        "Benda", "Hansford", "Ullery", "Votaw", "Fiala", "Whitis", "Svendsen", "Smathers",
        "Trojanowski", "Concannon", "Ned", "Defrancisco", "Sprankle", "Milone", "Hoggatt",
        "Dejarnette", "Colone", "Fiorenza", "Karter", "McNichol", "Satterthwaite", "Aylor",
        "Friberg", "Merck", "Vina", "Geeter", "Pin", "Buist", "Muckle", "Buccellato", "Peaks",
        "Deutscher", "Sebourn", "Hilsinger", "Zavalza", "Nickey", "Fischels", "Wagman", "Murach",
        "Gascoigne", "Zenor", "Prusak", "Ingrum", "Castaner", "Sweezy", "Narine", "Hagner",
        "Busser", "Tarpy", "Pavlica", "Kudla", "Esteen", "Barrero", "Stepps", "Pavek", "Lascurain",
        "Gallier", "Carlston", "Whetham", "Sengbusch", "Oachs", "Lapa", "Goughnour", "Cronic",
        "Aswegan", "Torigian", "Scammon", "Ohotnicky", "Lindenberger", "Hitzeman", "Fassino",
        "Caughlin", "Ano", "Ureste", "Shetter", "Portuondo", "Millerd", "Laterza", "Huesso",
        "Furbeck", "Czepiel", "Bolka", "Zaretsky", "Tuter", "Soron", "Rosseter", "Pavoni",
        "Meuller", "Legleu", "Jest", "Guiberteau", "Fake", "Cucvas", "Bratchett", "Argudo",
        "Weirauch", "Tiley", "Snuffer", "Samii", "Purkerson", "Olevera", "Messamore", "Longfield",
        "Konon", "Hueckman", "Gregware", "Fickbohm", "Dezalia", "Chollett", "Boryszewski",
        "Attridge", "Yenner", "Virgili", "Tolontino", "Stephensen", "Shelkoff", "Sahagian",
        "Raddle", "Patuel", "Nellenback", "Medland", "Luminati", "Lameda", "Kilimnik", "Hurtubise",
        "Hamai", "Gelo", "Fardo", "Disarufino", "Cousey", "Capestany", "Bobet", "Baitner",
    ]

    /// Surnames that are also clinical words or eponyms: the precision traps.
    static let clinicalWordSurnames: [String] = [
        "Mass", "Young", "White", "Brown", "Green", "Hill", "Bone", "Wall", "Head", "Hart", "Large",
        "Small", "Rose", "Lung", "Long", "Bell", "Cross", "Little", "Fields", "Power", "Fisher",
        "Parkinson", "Graves", "Murphy", "Hunt", "Hess", "Baker", "Cushing", "Paget", "Barrett",
        "Addison", "Turner", "Strong", "Wood", "Back", "Foot", "Knee", "Heart",
    ]

    /// Every 5th of the 500 most frequent female given names.
    static let frequentFemaleGiven: [String] = [
        "Mary", "Jennifer", "Lisa", "Sandra", "Michelle", "Jessica", "Brenda", "Kathleen",
        "Stephanie", "Catherine", "Alice", "Gloria", "Katherine", "Janice", "Kathy", "Irene",
        "Andrea", "Jacqueline", "Lois", "Diana", "Peggy", "Connie", "Carmen", "Victoria",
        "Josephine", "Ellen", "Monica", "Anita", "Debbie", "Jamie", "Megan", "Bertha", "Geraldine",
        "Lynn", "Dolores", "June", "Ana", "Holly", "Jeanette", "Alma", "Vicki", "Terri", "Stacey",
        "Natalie", "Bessie", "Maureen", "Georgia", "Marcia", "Heidi", "Marian", "Vickie", "Mabel",
        "Deanna", "Nora", "Penny", "Brandy", "Leona", "Velma", "Toni", "Ramona", "Lindsey",
        "Margarita", "Natasha", "Harriet", "Blanche", "Eunice", "Amelia", "Janie", "Lee", "Opal",
        "Susie", "Mamie", "Antoinette", "Kelli", "Celia", "Della", "Kara", "Leticia", "Johnnie",
        "Alexandra", "Traci", "Rachael", "Marcella", "Kari", "Mona", "Antonia", "Christie", "Teri",
        "Sophia", "Raquel", "Gwen", "Olive", "Casey", "Lorena", "Darla", "Lorene", "Dixie",
        "Johanna", "Elisa", "Tabitha",
    ]

    /// 100 female given names evenly spaced over ranks 501 to 4,275.
    static let rareFemaleGiven: [String] = [
        "Marina", "Kerri", "Morgan", "Paige", "Lily", "Manuela", "Ila", "Sofia", "Earnestine",
        "Chrystal", "Deirdre", "Amparo", "Maryellen", "Leta", "Mina", "Ernestina", "Delphine",
        "Marilynn", "India", "Jayme", "Harriette", "Mimi", "Louis", "Gertie", "Latricia", "Keshia",
        "Astrid", "Phuong", "Garnet", "Novella", "Armida", "Jennette", "Ingeborg", "Li", "Jerilyn",
        "Lita", "Hortensia", "Jeraldine", "Martine", "Myrtice", "Laci", "Page", "Antonina", "Kizzy",
        "Kevin", "Chaya", "Zita", "Ramonita", "Latrina", "Ayanna", "Lawana", "Enola", "Chin",
        "Takisha", "Kazuko", "Porsha", "Joella", "Gwenda", "Gudrun", "Charise", "Valery", "Dung",
        "Blythe", "Diedre", "Clarita", "Hanh", "Evan", "Latashia", "Melvin", "Phylicia", "Bell",
        "Blossom", "Ginette", "Lanelle", "Tatum", "Dannie", "Leon", "Un", "Chanell", "Maryland",
        "Argentina", "Kamilah", "Wendolyn", "Kittie", "Vania", "Katheleen", "Billi", "Nakesha",
        "Charlott", "Nobuko", "Crysta", "Pok", "Elfreda", "Tenesha", "Khadijah", "Carylon", "Myrta",
        "Elidia", "Suanne", "Karole",
    ]

    /// Every 4th of the 400 most frequent male given names.
    static let frequentMaleGiven: [String] = [
        "James", "William", "Joseph", "Paul", "Kenneth", "Ronald", "Matthew", "Larry", "Eric",
        "Gregory", "Walter", "Douglas", "Ryan", "Jack", "Terry", "Willie", "Roy", "Adam", "Billy",
        "Aaron", "Carlos", "Martin", "Jesse", "Clarence", "Johnny", "Danny", "Mike", "Dale",
        "Norman", "Glenn", "Chad", "Alfred", "Jesus", "Joel", "Ricky", "Alexander", "Francisco",
        "Clifford", "Jim", "Jon", "Tommy", "Darrell", "Alvin", "Dean", "Pedro", "Zachary", "Vernon",
        "Hector", "Rick", "Charlie", "Marc", "Angel", "Edgar", "Chester", "Andre", "Ron", "Harvey",
        "Cory", "Jamie", "Javier", "Mathew", "Lance", "Kurt", "Clayton", "Dwight", "Everett", "Ken",
        "Alfredo", "Johnnie", "Isaac", "Daryl", "Marshall", "Sergio", "Kent", "Terrence", "Austin",
        "Alejandro", "Luther", "Julius", "Shannon", "Homer", "Hubert", "Matt", "Rex", "Neal",
        "Wilbur", "Roderick", "Rickey", "Cesar", "Damon", "Alton", "Pete", "Jonathon", "Ed",
        "Delbert", "Lucas", "Rodolfo", "Salvatore", "Sherman", "Kim",
    ]

    /// 60 male given names evenly spaced over ranks 401 to 1,219.
    static let rareMaleGiven: [String] = [
        "Forrest", "Kristopher", "Laurence", "Tomas", "Ramiro", "Darin", "Brendan", "Emmett",
        "Trent", "Logan", "Robbie", "August", "Murray", "Damien", "Solomon", "Kendrick", "Alvaro",
        "Graham", "Gonzalo", "Bobbie", "Vince", "Ward", "Brock", "Galen", "Marcelino", "Leonel",
        "Buford", "Edwardo", "Genaro", "Cyrus", "Wilburn", "Alphonse", "Scottie", "Royal",
        "Leopoldo", "Parker", "Refugio", "Rosendo", "Carol", "Donn", "Kory", "Milo", "Mohamed",
        "Kenton", "Willy", "Hassan", "Bertram", "Jamey", "Emmitt", "Antonia", "Edison", "Titus",
        "Andreas", "Benedict", "Francesco", "Nicky", "Santo", "Hayden", "Patricia", "Willian",
    ]
}
