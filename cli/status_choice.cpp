#include "status_choice.hpp"

namespace pk {

bool wants_status_line(const RunRequest& request, bool stderr_is_terminal, const char* term) {
    if (!stderr_is_terminal) {
        return false; // never into a file or a pipe, even with --status
    }
    if (request.status) {
        return *request.status;
    }
    if (request.json || request.quiet) {
        return false;
    }
    const std::string_view name = term == nullptr ? std::string_view() : std::string_view(term);
    return !name.empty() && name != "dumb";
}

} // namespace pk
