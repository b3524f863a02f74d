#include "output_file.hpp"

#include "failure.hpp"
#include "std_descriptors.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

namespace pk {

OutputFile::OutputFile(std::FILE* f, bool owned, std::string what)
    : file_(f)
    , owned_(owned)
    , what_(std::move(what)) {}

OutputFile::OutputFile(OutputFile&& o) noexcept
    : file_(std::exchange(o.file_, nullptr))
    , owned_(o.owned_)
    , what_(std::move(o.what_))
    , error_(o.error_) {}

OutputFile::~OutputFile() {
    if (file_ != nullptr && owned_) {
        std::fclose(file_);
    }
}

OutputFile OutputFile::open(const std::string& path, const std::string& option) {
#if defined(_WIN32)
    std::FILE* f = std::fopen(path.c_str(), "wbN"); // N: not inherited
#else
    std::FILE* f = std::fopen(path.c_str(), "we"); // e: close-on-exec
#endif
    if (f == nullptr) {
        throw Failure(exit_pk_failed,
                      "cannot write " + option + " file '" + path + "': " + std::strerror(errno));
    }
    return {f, true, option + " file '" + path + "'"};
}

OutputFile OutputFile::standard_output() {
    if (std_descriptor_was_closed(1)) {
        throw Failure(exit_pk_failed, "cannot write the JSON result: stdout is closed");
    }
    return {stdout, false, "the JSON result on stdout"};
}

void OutputFile::check(bool ok) {
    if (!ok && error_ == 0) {
        error_ = errno != 0 ? errno : EIO;
    }
}

void OutputFile::write(std::string_view text) {
    if (failed() || file_ == nullptr || text.empty()) {
        return;
    }
    errno = 0;
    check(std::fwrite(text.data(), 1, text.size(), file_) == text.size());
}

void OutputFile::flush() {
    if (failed() || file_ == nullptr) {
        return;
    }
    errno = 0;
    check(std::fflush(file_) == 0);
}

std::string OutputFile::failure() const {
    return failed() ? "cannot write " + what_ + ": " + std::strerror(error_) : std::string();
}

void OutputFile::close() {
    if (file_ != nullptr) {
        flush();
        if (owned_) {
            errno = 0;
            check(std::fclose(file_) == 0);
        }
        file_ = nullptr;
    }
    if (failed()) {
        throw Failure(exit_pk_failed, failure());
    }
}

} // namespace pk
