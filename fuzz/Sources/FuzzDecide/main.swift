// Entry point. SwiftPM links every Linux executable with `main` aliased to this
// module's top-level code (`--defsym main=<Module>_main`), so libFuzzer's own `main`
// cannot be used; this hands the command line to libFuzzer's driver instead, with
// `LLVMFuzzerTestOneInput` (defined beside this file) as the callback.
import Glibc

@_extern(c, "LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
// A closure rather than the @_cdecl function itself: referencing that as a C pointer
// from this file would emit a second copy of its C symbol.
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzDecide(data, size) })
