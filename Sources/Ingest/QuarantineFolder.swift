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

    /// The name a claimed file gets here: its original name, unless `isTaken` says that is in use
    /// (by a file here, or by one recorded as on its way here), then `<claim id>.<name>`, which is
    /// unique. It is chosen before the quarantine is recorded, so recovery after a crash moves the
    /// file to the name on record.
    public func name(for claimed: ClaimedFile, isTaken: (String) throws -> Bool) rethrows -> String {
        try name(original: claimed.originalName, claimID: claimed.claimID, isTaken: isTaken)
    }

    /// The same rule for any name: a part of a file is named `<file stem>.<part tag>.<ext>`, and
    /// `<claim id>.<that>` when it is taken.
    public func name(original: String, claimID: String, isTaken: (String) throws -> Bool) rethrows -> String {
        let name = DropFolder.fitName(original)
        if try access(path + "/" + name, F_OK) == 0 || isTaken(name) {
            return ClaimedFile.workName(claimID: claimID, originalName: name)
        }
        return name
    }

    /// Writes a part of a file (a message of a batch, say) here as a file of its own, beside its
    /// reason. The bytes go to a dot-name first and are renamed into place, so the folder never
    /// shows half a message; writing it again after a crash replaces it with the same bytes.
    public func placePart(_ bytes: [UInt8], as name: String, reason: String) throws {
        try writeReason(reason, for: name)
        try writeThenRename(bytes, to: name, what: "placing a quarantined message in \(path)")
        syncDirectory(path)
    }

    /// Moves the claimed file here under `name` and writes its reason beside it.
    public func place(_ claimed: ClaimedFile, as name: String, reason: String) throws {
        // A reason file without its file is left by a crash between the two steps below and is
        // simply replaced.
        try writeReason(reason, for: name)
        let target = path + "/" + name
        if rename(claimed.workPath, target) != 0 {
            guard errno == EXDEV else {
                if errno == ENOENT && access(target, F_OK) == 0 { return }
                throw SystemError("moving claim \(claimed.claimID) to quarantine")
            }
            try copyThenRemove(claimed.workPath, to: target)
        }
        syncDirectory(path)
        syncDirectory((claimed.workPath as NSString).deletingLastPathComponent)
    }

    /// Puts a quarantined file back into a drop folder, under its original name unless that is
    /// taken there, and removes its reason. It arrives as a new file: a dot-name first, then one
    /// rename, so the drop folder never shows a half-copied file. Returns the name it got.
    public func returnFile(named name: String, originalName: String, to folder: DropFolder) throws -> String {
        let source = path + "/" + name
        var target = DropFolder.fitName(originalName)
        var attempt = 0
        while access(folder.path + "/" + target, F_OK) == 0 {
            attempt += 1
            target = "retry\(attempt)-" + DropFolder.fitName(originalName)
        }
        let staging = folder.path + "/.radd-retry-" + target
        if rename(source, staging) != 0 {
            guard errno == EXDEV else {
                if errno == ENOENT { throw SystemError("quarantined file \(name) is no longer in \(path)", code: ENOENT) }
                throw SystemError("returning a quarantined file to \(folder.path)")
            }
            try copyThenRemove(source, to: staging)
        }
        guard rename(staging, folder.path + "/" + target) == 0 else { throw SystemError("returning a quarantined file to \(folder.path)") }
        removeReason(for: name)
        syncDirectory(path)
        syncDirectory(folder.path)
        return target
    }

    /// Deletes a quarantined file and its reason. A file already gone is not an error: deleting
    /// is what was asked.
    public func purge(named name: String) throws {
        if unlink(path + "/" + name) != 0 && errno != ENOENT { throw SystemError("deleting a quarantined file from \(path)") }
        removeReason(for: name)
        syncDirectory(path)
    }

    private func removeReason(for name: String) {
        unlink(path + "/" + name + ".reason")
    }

    private func writeReason(_ reason: String, for name: String) throws {
        try writeThenRename(Array((reason + "\n").utf8), to: name + ".reason", what: "writing a quarantine reason")
    }

    /// Writes `name` here through `.<name>.tmp` and one rename, so that the folder never shows
    /// half a file; a write that fails (a full disk, retried later) leaves no temporary behind.
    private func writeThenRename(_ bytes: [UInt8], to name: String, what: String) throws {
        let temporary = path + "/." + name + ".tmp"
        do {
            try writeFile(temporary, contents: bytes, mode: 0o640)
            guard rename(temporary, path + "/" + name) == 0 else { throw SystemError(what) }
        } catch {
            unlink(temporary)
            throw error
        }
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
