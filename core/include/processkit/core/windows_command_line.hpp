#pragma once

#include "processkit/core/export.hpp"
// Windows command lines (W3): turning an argv into the one string a Windows
// child receives, and, for batch files, into a cmd.exe line that cannot be
// turned into command injection (the class of CVE-2024-24576, "BatBadBut").
//
// Pure string logic on UTF-8 std::string; the conversion to UTF-16 happens in
// the OS layer. Every function works byte by byte and only ever looks at ASCII
// bytes, so multi-byte UTF-8 sequences pass through untouched.
//
// Error messages name what was wrong and where (the argument's 1-based index,
// the class of character), never an argument's value.
//
// Thread-safety: pure functions, reentrant.

#include <string>
#include <string_view>
#include <vector>

namespace processkit::windows {

/// One argument (argv[1] onward) quoted for the Microsoft C runtime's
/// splitter (see split_command_line).
///
/// An argument that is non-empty and contains none of space, tab, '\n', '\v'
/// or '"' is returned unchanged. Otherwise it is wrapped in double quotes;
/// each '"' becomes '\"', and each run of backslashes that comes right before
/// a '"' or before the closing quote is doubled (other backslashes are
/// literal). An empty argument becomes `""`. Never fails: a NUL byte is
/// copied (build_command_line refuses it).
PROCESSKIT_CORE_EXPORT std::string quote_argument(std::string_view arg);

/// The command line for running `program` with `args`: `"program"` followed by
/// each argument quoted by quote_argument, separated by single spaces.
///
/// argv[0] is always wrapped in double quotes and gets no escaping (the C
/// runtime reads argv[0] without backslash rules), so `program` must not
/// contain '"'. split_command_line(build_command_line(p, a)) == {p, a...}.
///
/// Throws processkit::Error(ErrorKind::InvalidArgument) if `program` is empty
/// or contains '"' or a NUL byte, or if an argument contains a NUL byte
/// ("argument N contains a NUL byte", N counting from 1).
PROCESSKIT_CORE_EXPORT std::string build_command_line(std::string_view program,
                                                      const std::vector<std::string>& args);

/// A reference implementation of how the modern Microsoft C runtime (the UCRT
/// and every CRT since Visual C++ 2008) splits a command line into argv.
///
/// - argv[0] runs up to the first space or tab outside double quotes; each '"'
///   toggles quoting and is dropped; backslashes are always literal. (So
///   `"C:\a b\x.exe"` gives `C:\a b\x.exe`.) An empty line gives one empty
///   argv[0] (the real runtime substitutes the module's path).
/// - After argv[0], arguments are separated by runs of spaces and tabs
///   outside quotes. No other character separates (not '\n', not '\v').
/// - 2n backslashes then '"' give n backslashes, and the '"' toggles quoting;
///   2n+1 backslashes then '"' give n backslashes and a literal '"'.
///   Backslashes not followed by '"' are literal.
/// - Inside a quoted region, `""` gives a literal '"' and quoting goes on:
///   `a"b"" c d` is the single argument `ab" c d`. This is the documented
///   UCRT rule (the "Parsing C command-line arguments" table); the pre-2008
///   CRTs and shell32's CommandLineToArgvW instead end the quoted region
///   after the literal '"' (giving `ab"`, `c`, `d`). build_command_line never
///   produces `""` inside a quoted region, so its lines split the same way
///   under both rules.
/// - `""` outside quotes yields an empty argument; an unterminated quoted
///   region runs to the end of the line; trailing whitespace adds nothing.
PROCESSKIT_CORE_EXPORT std::vector<std::string> split_command_line(std::string_view line);

/// True if `program` ends in ".bat" or ".cmd", ignoring ASCII case. Such a
/// program is run by cmd.exe, whatever the caller meant.
PROCESSKIT_CORE_EXPORT bool is_batch_file(std::string_view program);

/// The command line for running the batch file `script` with `args` through
/// `cmd_exe` (a path to cmd.exe; the OS layer also passes it as the
/// application name). The exact form is
///
///     "<cmd_exe>" /d /e:ON /v:OFF /s /c ""<script>" <arg1> <arg2> ..."
///
/// - /d skips the AutoRun commands of the registry; /e:ON turns command
///   extensions on and /v:OFF delayed (`!var!`) expansion off, whatever the
///   registry says.
/// - /s makes cmd take the text after /c by its simple rule whatever it
///   contains: drop the first '"' and the last '"', run the rest. So cmd runs
///   `"<script>" <arg1> ...`; the outer pair is ours, not the script's.
/// - The script path is always in double quotes. Each argument goes in double
///   quotes if it is empty or contains whitespace or a control byte, or any
///   of & | < > ( ) ^ , ; = @ (inside double quotes cmd does not interpret
///   & | < > ( ) ^, and , ; = no longer split batch parameters); otherwise it
///   is passed bare. The script sees a quoted argument with its quotes in %1
///   and without them in %~1.
/// - Refused, because cmd would reinterpret them even inside double quotes
///   (or, for '"', they would move the quoted regions): '"', '%' (variable
///   expansion), CR and LF (they end the command), NUL, and '!' (delayed
///   expansion: off with /v:OFF, refused as defence in depth). The check
///   covers the script path and every argument; the error names the script
///   path or the argument's 1-based index, and the character class.
/// - A trailing backslash in a quoted argument (`"C:\dir\"`) is harmless to
///   cmd, which has no backslash escapes; but if the script hands %1 on to a
///   program using the C runtime's rules, that program reads `\"` as an
///   escaped quote. Strip the quotes (%~1) before passing paths on.
///
/// With `allow_raw`, the arguments are appended as given, each after a single
/// space, with no quoting and no checks but NUL: what cmd makes of them is
/// the caller's responsibility. The script path is still quoted and checked.
///
/// Throws processkit::Error(ErrorKind::InvalidArgument), naming the script as
/// the program, if `cmd_exe` or `script` is empty or contains '"' or NUL, or
/// for any refused character as above.
PROCESSKIT_CORE_EXPORT std::string build_batch_command_line(std::string_view cmd_exe,
                                                            std::string_view script,
                                                            const std::vector<std::string>& args,
                                                            bool allow_raw);

} // namespace processkit::windows
