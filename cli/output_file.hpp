#pragma once
// The files pk writes — --stats-out, --plot, and stdout for the --json
// result — with every write checked: a full disk, a closed or broken stdout
// or a failing flush is remembered and reported, never silently lost.

#include <cstdio>
#include <string>
#include <string_view>

namespace pk {

class OutputFile {
public:
    /// Opens `path` for writing now, so that a bad path fails before PROGRAM
    /// runs. `option` names it in messages ("--plot"). Throws Failure (125).
    static OutputFile open(const std::string& path, const std::string& option);
    /// pk's stdout, for the JSON result. Throws Failure (125) if descriptor 1
    /// was closed when pk started (there is nowhere to write the result).
    static OutputFile standard_output();

    OutputFile(OutputFile&& o) noexcept;
    OutputFile& operator=(OutputFile&&) = delete;
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;
    ~OutputFile();

    /// Writes (buffered); after a failure, does nothing.
    void write(std::string_view text);
    void flush();
    bool failed() const { return error_ != 0; }
    /// Flushes and closes (stdout: flushes); throws Failure (125) naming the
    /// file and the cause if any write failed.
    void close();
    /// The message close() would throw, empty if all went well so far.
    std::string failure() const;

private:
    OutputFile(std::FILE* f, bool owned, std::string what);
    void check(bool ok);

    std::FILE* file_;
    bool owned_;
    std::string what_; ///< "--plot file 'x.svg'", "the JSON result on stdout"
    int error_ = 0;
};

} // namespace pk
