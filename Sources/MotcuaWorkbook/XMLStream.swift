// A streamed XML document: libxml2's SAX2 push parser, fed in pieces as the zip entry
// inflates, calling a handler for each start tag, end tag and run of text. Nothing of the
// document is kept (a worksheet can be gigabytes of XML); names and values are handed over as
// the parser's own bytes, valid only during the call. No network, no external entities.
import CLibXML2
import Foundation

/// An element's local name (no prefix), as the parser's NUL-terminated bytes.
package struct XMLName {
    let bytes: UnsafePointer<xmlChar>

    /// True when the name is `name` (ASCII).
    @inline(__always)
    package func `is`(_ name: StaticString) -> Bool {
        strcmp(UnsafeRawPointer(bytes).assumingMemoryBound(to: CChar.self),
               UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)) == 0
    }

    package var string: String { String(cString: bytes) }
}

/// A start tag's attributes (libxml2's five pointers per attribute: local name, prefix, URI,
/// value start, value end; values already decoded).
package struct XMLAttributes {
    let base: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
    let count: Int

    /// The value of the attribute with local name `name`, or nil.
    package func value(_ name: StaticString) -> UnsafeBufferPointer<UInt8>? {
        guard let base else { return nil }
        for i in 0..<count {
            guard let local = base[5 * i], XMLName(bytes: local).is(name),
                  let start = base[5 * i + 3], let end = base[5 * i + 4] else { continue }
            return UnsafeBufferPointer(start: start, count: end - start)
        }
        return nil
    }

    /// The value as text, references decoded: libxml2 hands SAX2 attribute values over with
    /// `&` still escaped as `&#38;` unless entities are substituted, which would also expand
    /// external entities — so the few text attributes (sheet names, format codes) decode here.
    package func string(_ name: StaticString) -> String? {
        guard let raw = value(name) else { return nil }
        let text = String(decoding: raw, as: UTF8.self)
        return text.contains("&") ? XMLAttributes.decodeReferences(text) : text
    }

    static func decodeReferences(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else { break }
            let ref = rest[rest.index(after: amp)..<semi]
            let scalar: Unicode.Scalar?
            switch ref {
            case "amp": scalar = "&"
            case "lt": scalar = "<"
            case "gt": scalar = ">"
            case "quot": scalar = "\""
            case "apos": scalar = "'"
            default:
                if ref.hasPrefix("#x") || ref.hasPrefix("#X") { scalar = UInt32(ref.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init) }
                else if ref.hasPrefix("#") { scalar = UInt32(ref.dropFirst()).flatMap(Unicode.Scalar.init) }
                else { scalar = nil }
            }
            if let scalar { out.unicodeScalars.append(scalar) } else { out += rest[amp...semi] }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }
}

/// What a streamed document's reader does with it.
package protocol XMLEventHandler: AnyObject {
    func start(_ name: XMLName, _ attributes: XMLAttributes)
    func end(_ name: XMLName)
    /// Character data (entities decoded); one text node may come in several calls.
    func text(_ bytes: UnsafeBufferPointer<UInt8>)
}

/// Why a document could not be parsed: libxml2's message, with the line it was found at.
package struct XMLStreamError: Error, CustomStringConvertible {
    package let message: String
    package let line: Int
    package var description: String { "malformed XML at line \(line): \(message)" }
}

package final class XMLStream {
    private var context: xmlParserCtxtPtr?
    private let handler: any XMLEventHandler

    private static let initialized: Bool = {
        xmlInitParser()
        return true
    }()

    package init(handler: any XMLEventHandler) {
        _ = XMLStream.initialized
        self.handler = handler
        var sax = xmlSAXHandler()
        sax.initialized = UInt32(XML_SAX2_MAGIC)
        sax.startElementNs = { user, localName, _, _, _, _, attributeCount, _, attributes in
            guard let user, let localName else { return }
            XMLStream.from(user).handler.start(XMLName(bytes: localName),
                                               XMLAttributes(base: attributes, count: Int(attributeCount)))
        }
        sax.endElementNs = { user, localName, _, _ in
            guard let user, let localName else { return }
            XMLStream.from(user).handler.end(XMLName(bytes: localName))
        }
        let characters: charactersSAXFunc = { user, bytes, count in
            guard let user, let bytes, count > 0 else { return }
            XMLStream.from(user).handler.text(UnsafeBufferPointer(start: bytes, count: Int(count)))
        }
        sax.characters = characters
        sax.cdataBlock = characters
        // Errors are read from the context after a failed chunk, not printed by libxml2.
        sax.serror = { _, _ in }
        // The handler is copied into the context; `self` is passed back as the callbacks' user data.
        context = xmlCreatePushParserCtxt(&sax, Unmanaged.passUnretained(self).toOpaque(), nil, 0, nil)
        if let context {
            xmlCtxtUseOptions(context, Int32(XML_PARSE_NONET.rawValue))
        }
    }

    deinit {
        if let context { xmlFreeParserCtxt(context) }
    }

    private static func from(_ user: UnsafeMutableRawPointer) -> XMLStream {
        Unmanaged<XMLStream>.fromOpaque(user).takeUnretainedValue()
    }

    /// Parses the next piece of the document.
    package func feed(_ bytes: UnsafeRawBufferPointer) throws {
        guard let context else { throw XMLStreamError(message: "the XML parser could not be created", line: 0) }
        var offset = 0
        // xmlParseChunk takes an Int32 length.
        while offset < bytes.count {
            let n = min(bytes.count - offset, 1 << 30)
            let p = bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self)
            if xmlParseChunk(context, p, Int32(n), 0) != 0 { throw lastError() }
            offset += n
        }
    }

    /// Ends the document (an unclosed element is an error).
    package func finish() throws {
        guard let context else { throw XMLStreamError(message: "the XML parser could not be created", line: 0) }
        if xmlParseChunk(context, nil, 0, 1) != 0 { throw lastError() }
    }

    private func lastError() -> XMLStreamError {
        guard let context, let e = xmlCtxtGetLastError(context) else {
            return XMLStreamError(message: "unknown XML error", line: 0)
        }
        let text = e.pointee.message.map { String(cString: $0) } ?? "unknown XML error"
        return XMLStreamError(message: text.trimmingCharacters(in: .whitespacesAndNewlines), line: Int(e.pointee.line))
    }

    /// Parses a whole (small) document held in memory.
    package static func parse(_ data: [UInt8], with handler: any XMLEventHandler) throws {
        let stream = XMLStream(handler: handler)
        try data.withUnsafeBytes { try stream.feed($0) }
        try stream.finish()
    }
}
