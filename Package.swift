// swift-tools-version:6.0
import PackageDescription

// One module per pipeline stage; data flows Ingest → Deid → Store → Labeling → Store (reports are
// stored de-identified, then labelled from the store's job queue, the labels stored back), and
// Control reads Store.
// The C libraries are wrapped directly: GRDB and similar packages cannot build against Debian's
// SQLCipher 3.4.1, and linking plain libsqlite3 into the process would silently disable encryption.
let package = Package(
    name: "radd",
    // Synchronization's Mutex, which guards shared state, needs macOS 15 (radd runs on Linux).
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "raddd", targets: ["raddd"]),
        .executable(name: "raddctl", targets: ["raddctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
    ],
    targets: [
        .systemLibrary(name: "CSQLCipher", pkgConfig: "sqlcipher", providers: [.apt(["libsqlcipher-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        .target(name: "RaddCore", dependencies: [
            "CSystemd", "CCrypto",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Ingest", dependencies: ["RaddCore"]),
        // The lexicons' .txt files are the reviewed data; derive.py embeds them as Swift sources.
        .target(name: "Deid", dependencies: ["RaddCore"], exclude: [
            "Lexicons/derive.py", "Lexicons/SOURCE.txt", "Lexicons/first_names.txt", "Lexicons/last_names.txt",
            "Lexicons/common_words.txt", "Lexicons/clinical_safe_terms.txt", "Lexicons/SCOWL-COPYRIGHT.txt",
            "Lexicons/english_zipf.txt", "Lexicons/dictionary_words.txt", "Lexicons/basic_words.txt",
            "Lexicons/world_first_names.txt", "Lexicons/world_last_names.txt", "Lexicons/place_names.txt",
            "Lexicons/clinical_abbreviations.txt", "Lexicons/radiology_words.txt", "Lexicons/THIRD-PARTY-NOTICES.txt",
        ]),
        .target(name: "Labeling", dependencies: ["RaddCore", "CCurl"]),
        .target(name: "Store", dependencies: ["RaddCore", "CSQLCipher"]),
        .target(name: "Control", dependencies: ["RaddCore"]),
        .target(name: "RaddDaemon", dependencies: [
            "RaddCore", "Ingest", "Deid", "Labeling", "Store", "Control", "CSystemd",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "raddd", dependencies: [
            "RaddDaemon",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "radd-bench", dependencies: ["Ingest", "Deid", "DeidCorpus", "Labeling", "RaddCore"]),
        // Latency of audited label queries through a real raddd with a large database.
        .executableTarget(name: "radd-query-bench", dependencies: ["Control", "Ingest", "Labeling", "RaddCore", "Store"]),
        // The synthetic report corpus and token-level scorer the de-identifier is measured with.
        .target(name: "DeidCorpus", dependencies: ["Deid", "RaddCore"], path: "Tests/DeidCorpus",
                exclude: ["SOURCE.txt"]),
        .executableTarget(name: "radd-compare", dependencies: [
            "Ingest", "Labeling", "RaddCore", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "radd-deid-eval", dependencies: ["DeidCorpus", "Deid", "RaddCore"]),
        .executableTarget(name: "raddctl", dependencies: [
            "Control", "RaddCore", "Deid", "Ingest", "Labeling", "Store",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "StoreTests", dependencies: ["Store", "RaddCore", "TestSupport"]),
        .testTarget(name: "ControlTests", dependencies: ["Control", "RaddCore"]),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "RaddCore"], exclude: ["Fixtures"]),
        .target(name: "TestSupport", dependencies: ["CCrypto"], path: "Tests/TestSupport"),
        .testTarget(name: "LabelingTests", dependencies: ["Labeling", "RaddCore", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "DeidTests", dependencies: ["DeidCorpus", "Deid", "Labeling", "RaddCore"]),
        .testTarget(name: "LexiconTests", dependencies: ["Deid"]),
        .testTarget(name: "DaemonTests", dependencies: ["RaddDaemon", "Store", "Control", "Labeling", "RaddCore", "TestSupport", "DeidCorpus", "Deid"], exclude: ["Fixtures"]),
    ],
    // Every target is compiled in Swift 6 language mode, so the compiler checks its concurrency.
    swiftLanguageModes: [.v6]
)
