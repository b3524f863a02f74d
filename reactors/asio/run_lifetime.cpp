// The Asio run letting go: the owner's abandon() (the tree killed from any
// thread, the child reaped when its pidfd says so), and the context's
// shutdown dropping every pending completion.
#include "processkit/asio/detail/run.hpp"
#include "processkit/asio/error.hpp"
#include "processkit/core/error_code.hpp"

#include <algorithm>
#include <asio/dispatch.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>
#include <csignal>

namespace processkit::asio::detail {

// --- letting go ----------------------------------------------------------------

void Run::drop_pending() noexcept {
    // Moved out first: destroying a handler may destroy the Process that
    // owns this run (the registry keeps the run itself alive meanwhile).
    [[maybe_unused]] auto results = std::exchange(result_ops_, {});
    [[maybe_unused]] auto lines = std::exchange(line_ops_, {});
    [[maybe_unused]] auto events = std::exchange(event_ops_, {});
    [[maybe_unused]] auto writes = std::exchange(write_ops_, {});
    [[maybe_unused]] auto closes = std::exchange(close_ops_, {});
    [[maybe_unused]] auto profiles = std::exchange(profile_ops_, {});
    [[maybe_unused]] auto readies = std::exchange(ready_ops_, {});
}

void ShutdownRegistry::add(std::weak_ptr<DropsOnShutdown> object) {
    std::lock_guard lock(mutex_);
    if (objects_.size() >= prune_at_) {
        std::erase_if(objects_, [](const auto& o) { return o.expired(); });
        prune_at_ = std::max<std::size_t>(64, objects_.size() * 2);
    }
    objects_.push_back(std::move(object));
}

void ShutdownRegistry::shutdown() {
    for (;;) {
        std::vector<std::weak_ptr<DropsOnShutdown>> objects;
        {
            std::lock_guard lock(mutex_);
            objects.swap(objects_);
        }
        if (objects.empty()) {
            return;
        }
        for (auto& o : objects) {
            if (auto alive = o.lock()) {
                alive->drop_pending();
            }
        }
    }
}

void Run::forget_kill_handles() noexcept {
    std::lock_guard lock(kill_mutex_);
    kill_child_ = {};
    kill_group_.reset();
}

void Run::abandon() {
    letting_go_.store(true);
    {
        // Now, from the caller's thread: the strand may be busy elsewhere.
        std::lock_guard lock(kill_mutex_);
        if (kill_group_) {
            try {
                kill_group_->kill_all();
            } catch (...) {
            }
        }
        kill_child_.kill();
    }
    on_strand([this] { abandon_on_strand(); });
}

void Run::abandon_on_strand() {
    if (abandoned_) {
        return;
    }
    abandoned_ = true;
    abort_all_ops();
    watcher_.stop_timer();
    tree_timer_.cancel();
    if (driver_) {
        if (auto child = driver_->abandon()) {
            orphan_ = std::move(child);
        }
    }
    forget_kill_handles();
    if (orphan_) {
        std::error_code ec;
        orphan_watch_.emplace(strand_, os::watch_handle(*orphan_), HandleWait::Kind::Read, ec);
        if (ec) {
            orphan_watch_.reset();
            orphan_.reset(); // cannot wait for it: reap now (it is SIGKILLed)
            return;
        }
        reap_orphan();
    }
}

void Run::reap_orphan() {
    if (!orphan_ || orphan_->try_wait()) {
        if (orphan_watch_) {
            orphan_watch_->release();
            orphan_watch_.reset();
        }
        orphan_.reset();
        return;
    }
    orphan_watch_->async_wait([self = shared_from_this()](std::error_code ec) {
        if (ec != ::asio::error::operation_aborted) {
            self->reap_orphan();
        }
    });
}

} // namespace processkit::asio::detail
