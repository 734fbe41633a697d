import Foundation
import Synchronization
import RaddCore
#if canImport(Glibc)
import Glibc
#endif

/// What a person may do with the appliance. Each role is held through a Unix group.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    /// Query reports' de-identified text and labels.
    case viewer
    /// Export label sets.
    case exporter
    /// Read, verify and export the audit log.
    case auditor
    /// Read and record gold labels: gold worksheets, review decisions, evaluation.
    case reviewer
    /// Operate: quarantine retry and purge, and the other operator actions.
    case admin

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

extension ControlMethod {
    /// The roles that may call the method; a caller needs one of them. Deny by default: a
    /// method listed nowhere here is refused to everyone.
    public var allowedRoles: Set<Role> {
        switch self {
        case .status, .metrics: return Set(Role.allCases)
        case .reports, .report: return [.viewer]
        case .review, .reviewShow: return [.viewer, .reviewer]
        case .labels: return [.viewer, .exporter]
        case .exportLabels, .exportInstruct: return [.exporter]
        case .goldSample, .goldImport, .reviewResolve: return [.reviewer]
        case .evaluate: return [.viewer, .exporter, .reviewer]
        case .quarantineList, .quarantineRetry, .quarantinePurge, .reload, .keyRotate, .pseudonym, .relabel, .backup, .purge:
            return [.admin]
        case .auditList, .auditVerify, .auditExport: return [.auditor]
        }
    }
}

/// Who holds which role: `policies/access`, one `ROLE = GROUP[, GROUP...]` line per role.
/// root and the daemon's own user hold every role (they can read the key and the database
/// anyway); anyone else holds the roles of the groups the group database puts them in.
public struct AccessPolicy: Sendable, Equatable {
    public static let defaultGroups: [Role: [String]] = [
        .viewer: ["radd-viewer"], .exporter: ["radd-exporter"], .auditor: ["radd-auditor"], .reviewer: ["radd-reviewer"], .admin: ["radd-admin"],
    ]
    public static let defaultPath = "/etc/radd/access"

    public var groups: [Role: [String]]
    public var daemonUID: UInt32

    public init(groups: [Role: [String]] = AccessPolicy.defaultGroups, daemonUID: UInt32 = getuid()) {
        self.groups = groups
        self.daemonUID = daemonUID
    }

    public struct Problem: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// Reads a policy file. Lines are `ROLE = GROUP, GROUP`; `#` starts a comment. A role the file
    /// does not name is held by no group (deny by default).
    public init(parsing text: String, file: String, daemonUID: UInt32 = getuid()) throws {
        var groups: [Role: [String]] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            let where_ = "\(file):\(index + 1)"
            let parts = trimmed.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { throw Problem(description: "\(where_): expected 'ROLE = GROUP', got '\(trimmed.prefix(80))'") }
            guard let role = Role(rawValue: parts[0]) else {
                throw Problem(description: "\(where_): unknown role '\(parts[0].prefix(40))' (roles: \(Role.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard groups[role] == nil else { throw Problem(description: "\(where_): role \(role.rawValue) is given twice") }
            let names = parts[1].split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
            for name in names where !Self.isGroupName(name) {
                throw Problem(description: "\(where_): '\(name.prefix(40))' is not a valid group name")
            }
            groups[role] = names
        }
        self.init(groups: groups, daemonUID: daemonUID)
    }

    public init(contentsOf path: String, daemonUID: UInt32 = getuid()) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Problem(description: "\(path): cannot read the access policy")
        }
        try self.init(parsing: String(decoding: data, as: UTF8.self), file: path, daemonUID: daemonUID)
    }

    static func isGroupName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 32 && name.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
    }

    /// The roles the peer holds, from the kernel's credentials and the group database; nothing
    /// the client says is consulted. Groups are looked up on each call, so a group created or a
    /// membership changed takes effect with the next connection.
    public func roles(of peer: PeerCredentials) -> Set<Role> {
        if peer.uid == 0 || peer.uid == daemonUID { return Set(Role.allCases) }
        let held = UserDatabase.groups(ofUID: peer.uid, primaryGID: UserDatabase.primaryGroup(uid: peer.uid) ?? peer.gid)
        var roles: Set<Role> = []
        for (role, names) in groups where names.contains(where: { UserDatabase.groupID(named: $0).map(held.contains) ?? false }) {
            roles.insert(role)
        }
        return roles
    }

    /// Groups named by the policy that do not exist on this machine (worth a warning at start).
    public var missingGroups: [String] {
        Array(Set(groups.values.joined())).filter { UserDatabase.groupID(named: $0) == nil }.sorted()
    }

    /// "viewer: radd-viewer; auditor: radd-auditor, compliance", for messages.
    public var summary: String {
        Role.allCases.map { role in "\(role.rawValue): " + ((groups[role] ?? []).isEmpty ? "(no group)" : groups[role]!.joined(separator: ", ")) }
            .joined(separator: "; ")
    }
}

/// The policy in force: read for each new connection, replaced whole by a reload.
public final class CurrentAccessPolicy: Sendable {
    private let policy: Mutex<AccessPolicy>

    public init(_ policy: AccessPolicy) {
        self.policy = Mutex(policy)
    }

    public var value: AccessPolicy { policy.withLock { $0 } }

    public func replace(with policy: AccessPolicy) {
        self.policy.withLock { $0 = policy }
    }
}

/// A caller as the server established it: kernel credentials and the roles they carry.
public struct ControlCaller: Sendable, Equatable {
    public var peer: PeerCredentials
    public var roles: Set<Role>

    public init(peer: PeerCredentials, roles: Set<Role>) {
        self.peer = peer
        self.roles = roles
    }

    /// For the audit record: "viewer,admin", "all" (root, the daemon's user), or "none".
    public var roleText: String {
        if roles.isEmpty { return "none" }
        if roles == Set(Role.allCases) { return "all" }
        return roles.sorted().map(\.rawValue).joined(separator: ",")
    }
}
