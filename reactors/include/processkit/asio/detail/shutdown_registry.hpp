#pragma once

#include "processkit/asio/export.hpp"
// The pending completions of a run or a sampler live in that object, not in
// an Asio service, so shutting an execution context down could not destroy
// them the way Asio destroys the handlers of its own I/O objects. A handler
// that owns its Process or sampler (a suspended coroutine's frame, a
// shared_ptr captured by a callback) would then keep the object, and a run's
// child tree, alive forever. This service of the context drops the pending
// completions of every live run and sampler when the context shuts down:
// their handlers are destroyed, never called, which breaks such cycles.
//
// Thread-safety: enroll() from any thread; shutdown() runs when the context
// is destroyed, when none of its handlers runs any more.

#include <asio/execution/context_as.hpp>
#include <asio/execution_context.hpp>
#include <asio/query.hpp>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace processkit::asio::detail {

class DropsOnShutdown {
public:
    DropsOnShutdown() = default;
    DropsOnShutdown(const DropsOnShutdown&) = delete;
    DropsOnShutdown& operator=(const DropsOnShutdown&) = delete;

    /// The context is shutting down: destroy every pending completion
    /// without calling it. No handler of the context runs meanwhile.
    virtual void drop_pending() noexcept = 0;

protected:
    virtual ~DropsOnShutdown() = default;
};

class PROCESSKIT_ASIO_EXPORT ShutdownRegistry final : public ::asio::execution_context::service {
public:
    using key_type = ShutdownRegistry;

    explicit ShutdownRegistry(::asio::execution_context& context)
        : ::asio::execution_context::service(context) {}

    /// Registers `object` with the registry of `executor`'s context.
    template <class Executor>
    static void enroll(const Executor& executor, std::weak_ptr<DropsOnShutdown> object) {
        auto& context =
            ::asio::query(executor, ::asio::execution::context_as<::asio::execution_context&>);
        ::asio::use_service<ShutdownRegistry>(context).add(std::move(object));
    }

    void add(std::weak_ptr<DropsOnShutdown> object);

private:
    void shutdown() override;

    std::mutex mutex_;
    std::vector<std::weak_ptr<DropsOnShutdown>> objects_;
    std::size_t prune_at_ = 64; ///< expired entries are removed when the list reaches this
};

} // namespace processkit::asio::detail
