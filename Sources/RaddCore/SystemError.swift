import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An errno with the operation that failed. Messages name the operation and, where safe, a path
/// that radd itself chose (never a report's content).
public struct SystemError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let code: Int32

    public init(_ operation: String, code: Int32 = errno) {
        self.operation = operation
        self.code = code
    }

    public var description: String {
        "\(operation): \(String(cString: strerror(code)))"
    }
}
