import Foundation
import RaddCore
#if canImport(Glibc)
import Glibc
#endif

/// Where files that cannot become reports end up, each beside a `NAME.reason` file that says why.
public struct QuarantineFolder: Sendable {
    public let path: String

    public init(path: String) throws {
        self.path = path
        if mkdir(path, 0o750) != 0 && errno != EEXIST { throw SystemError("creating quarantine folder \(path)") }
    }

    /// Moves the claimed file here and writes its reason. Returns the name it was given, which is
    /// the original name unless that is taken.
    @discardableResult
    public func place(_ claimed: ClaimedFile, reason: String) throws -> String {
        // Only an existing file decides the name: a reason file without its file is left by a
        // crash between the two steps below and is simply replaced.
        var name = DropFolder.fitName(claimed.originalName)
        if access(path + "/" + name, F_OK) == 0 {
            name = ClaimedFile.workName(claimID: claimed.claimID, originalName: name)
        }
        try writeReason(reason, for: name)
        let target = path + "/" + name
        if rename(claimed.workPath, target) != 0 {
            guard errno == EXDEV else {
                if errno == ENOENT && access(target, F_OK) == 0 { return name }
                throw SystemError("moving claim \(claimed.claimID) to quarantine")
            }
            try copyThenRemove(claimed.workPath, to: target)
        }
        syncDirectory(path)
        syncDirectory((claimed.workPath as NSString).deletingLastPathComponent)
        return name
    }

    private func writeReason(_ reason: String, for name: String) throws {
        let final = path + "/" + name + ".reason"
        let temporary = path + "/." + name + ".reason.tmp"
        try writeFile(temporary, contents: Array((reason + "\n").utf8), mode: 0o640)
        guard rename(temporary, final) == 0 else { throw SystemError("writing a quarantine reason") }
    }

    /// Only used when the quarantine folder is on another filesystem than the drop folder.
    private func copyThenRemove(_ source: String, to target: String) throws {
        let input = open(source, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        if input < 0 {
            // A symlink or special file is not copied: its name and reason are what matter.
            if errno == ELOOP { return try removeLink(source, placeholder: target) }
            throw SystemError("reading a claimed file for quarantine")
        }
        defer { close(input) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = read(input, &buffer, buffer.count)
            if count < 0 { throw SystemError("reading a claimed file for quarantine") }
            if count == 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        try writeFile(target, contents: bytes, mode: 0o640)
        if unlink(source) != 0 { throw SystemError("removing a quarantined file from the work area") }
    }

    private func removeLink(_ source: String, placeholder target: String) throws {
        try writeFile(target, contents: [], mode: 0o640)
        if unlink(source) != 0 { throw SystemError("removing a quarantined link from the work area") }
    }
}

/// Errors name the folder only: the file's own name came from a hospital system and may hold PHI.
func writeFile(_ path: String, contents: [UInt8], mode: mode_t) throws {
    let folder = (path as NSString).deletingLastPathComponent
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode)
    guard fd >= 0 else { throw SystemError("creating a file in \(folder)") }
    defer { close(fd) }
    var written = 0
    while written < contents.count {
        let n = contents[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 { throw SystemError("writing a file in \(folder)") }
        written += n
    }
    guard fsync(fd) == 0 else { throw SystemError("syncing a file in \(folder)") }
}
