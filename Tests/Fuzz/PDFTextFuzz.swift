import Foundation

// libFuzzer entry point for the PDF extraction (`PDFText.extract`): every input goes through the
// sandboxed pdftotext exactly as raddd sends it. Built and run by fuzz-pdf.sh. The fuzzer stops
// on any crash of this process (the wrapper); a crash, hang or blow-up of the parser is the
// child's and must come back as an outcome, which is checked here.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPDFText(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var limits = PDFText.Limits()
    limits.cpuSeconds = 2
    limits.wallSeconds = 4
    let started = Date()
    do {
        switch try PDFText.extract(bytes, limits: limits) {
        case .text(let text):
            precondition(text.utf8.count <= limits.maxTextBytes, "text over the cap")
        case .problem:
            break
        }
    } catch {
        fatalError("the extractor could not be run: \(error)")
    }
    precondition(Date().timeIntervalSince(started) < limits.wallSeconds + 2, "the wall-clock limit did not hold")
    return 0
}
