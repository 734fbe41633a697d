import ArgumentParser
import Control
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct Key: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rotate the database key (admin role; run as the key file's owner, usually root).",
        discussion: """
            Example:
              sudo raddctl key rotate
            """,
        subcommands: [Rotate.self])

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-encrypt the database under a new random key and replace the key file.",
            discussion: """
                1. A new 256-bit key is drawn from /dev/urandom and written next to the key file
                   as KEYFILE.new, with the key file's owner and mode.
                2. raddd re-encrypts the database under it (one transaction: a failure or a
                   crash leaves the old key valid) while it keeps running.
                3. KEYFILE.new replaces KEYFILE.

                The old key no longer opens the database; backups made before the rotation
                still need it. If raddd stops between steps 2 and 3, it will not start with the
                old key: move KEYFILE.new over KEYFILE (raddd's error says so). Audited as
                key_rotation (started, then done or failed). The key is never printed.

                Example:
                  sudo raddctl key rotate
                  sudo raddctl key rotate --key-file /etc/radd/db.key
                """)

        @OptionGroup var options: SocketOptions
        @Option(help: "The key file raddd reads at start (the setting key_file).") var keyFile = "/etc/radd/db.key"
        @Option(help: "Seconds to wait for raddd to re-encrypt the database.") var timeout = 3600

        func run() throws {
            try guarded {
                var info = stat()
                guard stat(keyFile, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                    throw Failure("\(keyFile) is not a key file (raddd's key_file; give it with --key-file)", code: 66)
                }
                let pending = keyFile + ".new"
                guard access(pending, F_OK) != 0 else {
                    throw Failure("\(pending) exists: an earlier rotation did not finish. If raddd cannot open the database with \(keyFile), move \(pending) over it; otherwise remove \(pending)", code: 73)
                }
                let key = try Self.randomKeyHex()
                try Self.writeKey(key, to: pending, like: info)
                let result: KeyRotateResult
                do {
                    result = try ControlClient(socketPath: options.path, answerTimeout: timeout).call(Endpoints.KeyRotate.self, .init(key: key))
                } catch let error as ControlError {
                    unlink(pending)
                    throw Failure("the key was not rotated: \(error.message)", code: error.code == .permissionDenied ? 77 : 1)
                } catch let error as ControlClient.ConnectError {
                    unlink(pending)
                    throw Failure("the key was not rotated: \(error.description)", code: 69)
                } catch {
                    // The answer was lost: the database may be under either key.
                    throw Failure("no answer from raddd (\(error)); the database may already be under the new key in \(pending). If raddd cannot open it with \(keyFile) after a restart, move \(pending) over \(keyFile)", code: 69)
                }
                guard rename(pending, keyFile) == 0 else {
                    throw Failure("the database is under the new key, but \(pending) could not replace \(keyFile) (\(String(cString: strerror(errno)))): move it by hand before raddd restarts", code: 73)
                }
                let directory = open((keyFile as NSString).deletingLastPathComponent.isEmpty ? "." : (keyFile as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY)
                if directory >= 0 { fsync(directory); close(directory) }
                if options.json { return try options.printJSON(result) }
                print(String(format: "database re-keyed in %.1f s at %@; the new key is in %@ (the old key no longer opens it; earlier backups still need it)",
                             result.seconds, result.rotatedAt, keyFile))
            }
        }

        static func randomKeyHex() throws -> String {
            let fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw Failure("cannot open /dev/urandom", code: 71) }
            defer { close(fd) }
            var bytes = [UInt8](repeating: 0, count: 32)
            guard read(fd, &bytes, 32) == 32 else { throw Failure("cannot read /dev/urandom", code: 71) }
            return bytes.map { String(format: "%02x", $0) }.joined()
        }

        /// Created exclusively with the old key file's mode and owner, then synced.
        static func writeKey(_ hex: String, to path: String, like old: stat) throws {
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o400)
            guard fd >= 0 else { throw Failure("cannot create \(path): \(String(cString: strerror(errno)))", code: 73) }
            defer { close(fd) }
            let bytes = Array((hex + "\n").utf8)
            guard write(fd, bytes, bytes.count) == bytes.count, fchown(fd, old.st_uid, old.st_gid) == 0 || getuid() != 0,
                  fchmod(fd, old.st_mode & 0o600) == 0, fsync(fd) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(path)
                throw Failure("cannot write \(path): \(reason)", code: 74)
            }
        }
    }
}
