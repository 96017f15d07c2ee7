// The one order of names and paths in SPEC §2.1 and §7.3.

/// Bytewise (UTF-8) order, as SPEC §7.3 sorts.
public func bytewiseLess(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}
