import Foundation
import RaddCore
#if canImport(Glibc)
import Glibc
#endif

/// The watched folder and its hidden work area. Claiming is an atomic rename within one
/// filesystem, so a file is at any moment either in the drop folder or in the work area, never both
/// and never half-copied.
public struct DropFolder: Sendable {
    public static let workDirectoryName = ".radd-work"
    /// The name the configuration gives the folder; stored with every file from it.
    public let name: String
    public let path: String
    /// Where committed originals go instead of being deleted; nil deletes them.
    public let archivePath: String?
    public var workPath: String { path + "/" + Self.workDirectoryName }

    public init(path: String, name: String = "drop", archivePath: String? = nil) throws {
        self.name = name
        self.path = path
        self.archivePath = archivePath
        var info = stat()
        guard stat(path, &info) == 0 else { throw SystemError("drop folder \(path)") }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { throw SystemError("drop folder \(path)", code: ENOTDIR) }
        if mkdir(workPath, 0o700) != 0 && errno != EEXIST { throw SystemError("creating work area \(workPath)") }
        if let archivePath {
            if mkdir(archivePath, 0o750) != 0 && errno != EEXIST { throw SystemError("creating archive folder \(archivePath)") }
            var archiveInfo = stat()
            guard stat(archivePath, &archiveInfo) == 0 else { throw SystemError("archive folder \(archivePath)") }
            // A rename across filesystems fails; copying instead would leave a window with two copies.
            guard archiveInfo.st_dev == info.st_dev else {
                throw SystemError("archive folder \(archivePath) is not on the filesystem of \(path)", code: EXDEV)
            }
        }
    }

    /// Names a hospital system is still writing or never meant for radd: dot-files and partial uploads.
    public static func isCandidate(_ name: String) -> Bool {
        if name.hasPrefix(".") { return false }
        let lower = name.lowercased()
        return !(lower.hasSuffix(".tmp") || lower.hasSuffix(".part") || lower.hasSuffix(".filepart"))
    }

    /// Entries waiting in the drop folder, oldest name first. Sub-folders are not reports and are left alone.
    public func waitingFiles() throws -> [String] {
        try entries(of: path).filter { name in
            guard Self.isCandidate(name) else { return false }
            var info = stat()
            guard lstat(path + "/" + name, &info) == 0 else { return false }
            return (info.st_mode & S_IFMT) != S_IFDIR
        }
    }

    /// Size and modification time of a waiting file, for deciding whether its writer is done.
    public struct FileState: Sendable {
        var size: Int64
        var modified: timespec
        public var age: TimeInterval {
            Date().timeIntervalSince1970 - (TimeInterval(modified.tv_sec) + TimeInterval(modified.tv_nsec) / 1e9)
        }
        public func isUnchanged(since earlier: FileState) -> Bool {
            size == earlier.size && modified.tv_sec == earlier.modified.tv_sec && modified.tv_nsec == earlier.modified.tv_nsec
        }
    }

    public func state(of name: String) -> FileState? {
        var info = stat()
        guard lstat(path + "/" + name, &info) == 0 else { return nil }
        return FileState(size: Int64(info.st_size), modified: info.st_mtim)
    }

    /// Files claimed before a crash or shutdown, to be finished first.
    public func claimedFiles() throws -> [ClaimedFile] {
        try entries(of: workPath).compactMap { ClaimedFile(workDirectory: workPath, workName: $0) }
    }

    /// Moves `name` into the work area. Returns nil when the file is already gone (claimed by a
    /// rescan, or removed by its writer).
    public func claim(_ name: String) throws -> ClaimedFile? {
        let claimID = ClaimedFile.newClaimID()
        let workName = ClaimedFile.workName(claimID: claimID, originalName: Self.fitName(name))
        let claimed = ClaimedFile(claimID: claimID, originalName: name, workPath: workPath + "/" + workName)
        if rename(path + "/" + name, claimed.workPath) != 0 {
            guard errno == ENOENT else { throw SystemError("claiming a file from \(path)") }
            guard access(path + "/" + name, F_OK) == 0 else { return nil }
            // The file is there but the work area is not: the drop folder was replaced while
            // raddd ran. Recreate the work area rather than mistake the file for gone.
            if mkdir(workPath, 0o700) != 0 && errno != EEXIST { throw SystemError("recreating work area \(workPath)") }
            guard rename(path + "/" + name, claimed.workPath) == 0 else {
                if errno == ENOENT { return nil }
                throw SystemError("claiming a file from \(path)")
            }
        }
        syncDirectory(workPath)
        return claimed
    }

    /// Removes a claimed file once its reports are committed, or moves it to the archive folder
    /// when there is one. The archived file keeps its name unless that is taken; `link` then
    /// `unlink` never overwrites an earlier original, unlike `rename`.
    public func finish(_ claimed: ClaimedFile) throws {
        if let archivePath {
            var name = Self.fitName(claimed.originalName)
            if link(claimed.workPath, archivePath + "/" + name) != 0 {
                guard errno == EEXIST else {
                    if errno == ENOENT { return }
                    throw SystemError("archiving claim \(claimed.claimID)")
                }
                // A crash between link and unlink leaves the same file under both names.
                if !Self.sameFile(claimed.workPath, archivePath + "/" + name) {
                    name = ClaimedFile.workName(claimID: claimed.claimID, originalName: name)
                    if link(claimed.workPath, archivePath + "/" + name) != 0 && errno != EEXIST {
                        throw SystemError("archiving claim \(claimed.claimID)")
                    }
                }
            }
            syncDirectory(archivePath)
        }
        if unlink(claimed.workPath) != 0 && errno != ENOENT { throw SystemError("removing claim \(claimed.claimID)") }
        syncDirectory(workPath)
    }

    static func sameFile(_ first: String, _ second: String) -> Bool {
        var a = stat(), b = stat()
        return lstat(first, &a) == 0 && lstat(second, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino
    }

    /// Work-area names keep the original name but must fit NAME_MAX with the claim id in front.
    static func fitName(_ name: String) -> String {
        let budget = 200
        guard name.utf8.count > budget else { return name }
        var trimmed = name
        while trimmed.utf8.count > budget { trimmed.removeFirst() }
        return trimmed
    }

    func entries(of directory: String) throws -> [String] {
        guard let dir = opendir(directory) else { throw SystemError("listing \(directory)") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if bytes == [0x2E] || bytes == [0x2E, 0x2E] { continue }
            if let name = String(validating: bytes, as: UTF8.self) {
                names.append(name)
            } else if let renamed = Self.renameToValidUTF8(bytes, in: directory) {
                names.append(renamed)
            }
        }
        return names.sorted()
    }

    /// A name that is not UTF-8 cannot be carried as a Swift string, so it would never be claimed;
    /// it is renamed in place (invalid bytes become "_") so that it is processed, not skipped.
    static func renameToValidUTF8(_ bytes: [UInt8], in directory: String) -> String? {
        let base = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\u{FFFD}", with: "_")
        var candidate = base
        var attempt = 0
        while access(directory + "/" + candidate, F_OK) == 0 {
            attempt += 1
            candidate = "\(attempt)-" + base
        }
        let source = Array(directory.utf8) + [0x2F] + bytes + [0]
        let target = directory + "/" + candidate
        let renamed = source.withUnsafeBufferPointer { pointer in
            pointer.withMemoryRebound(to: CChar.self) { rename($0.baseAddress!, target) }
        }
        return renamed == 0 ? candidate : nil
    }
}

/// Makes a rename or unlink durable: without it a crash could bring a claimed file back.
func syncDirectory(_ path: String) {
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { return }
    fsync(fd)
    close(fd)
}
