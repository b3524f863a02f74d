#pragma once
// A completion handler waiting inside a run, type-erased so the run itself
// need not be a template. It keeps what Asio promises about a handler: it is
// invoked through its associated executor (always posted, never inside the
// initiating call), its memory comes from its associated allocator and is
// given back before the upcall, outstanding work is counted on its executor
// until then, and its cancellation slot is cleared before it runs.

#include <asio/associated_allocator.hpp>
#include <asio/associated_cancellation_slot.hpp>
#include <asio/associated_executor.hpp>
#include <asio/bind_allocator.hpp>
#include <asio/execution/outstanding_work.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <asio/prefer.hpp>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

namespace processkit::asio::detail {

template <class... Args>
class Completion {
public:
    Completion() = default;
    Completion(const Completion&) = delete;
    Completion& operator=(const Completion&) = delete;

    /// Posts the handler with `args` to its executor; consumes *this.
    virtual void complete(Args... args) = 0;
    /// Destroys the handler without calling it (its run is being destroyed,
    /// as Asio does with the handlers of a destroyed io_context).
    virtual void discard() noexcept = 0;

protected:
    ~Completion() = default;
};

template <class... Args>
struct CompletionDeleter {
    void operator()(Completion<Args...>* c) const noexcept { c->discard(); }
};

template <class... Args>
using CompletionPtr = std::unique_ptr<Completion<Args...>, CompletionDeleter<Args...>>;

/// Calls the user's handler on its executor. `Convert` turns what the run
/// reports into the operation's signature (e.g. a ProcessResult into the exit
/// code of async_exit_code).
template <class Handler, class Convert, class... Args>
struct Upcall {
    Handler handler;
    Convert convert;
    std::tuple<Args...> args;

    void operator()() {
        auto slot = ::asio::get_associated_cancellation_slot(handler);
        if (slot.is_connected()) {
            slot.clear();
        }
        std::apply([this](Args&... a) { convert(std::move(handler), std::move(a)...); }, args);
    }
};

/// Outstanding work counted on an executor for as long as this lives, for
/// both kinds of Asio executor (standard executors and the older model).
template <class Executor>
class WorkOn {
public:
    explicit WorkOn(const Executor& ex)
        : tracked_(track(ex)) {}
    auto executor() const {
        if constexpr (::asio::execution::is_executor<Executor>::value) {
            return tracked_;
        } else {
            return tracked_.get_executor();
        }
    }

private:
    static auto track(const Executor& ex) {
        if constexpr (::asio::execution::is_executor<Executor>::value) {
            return ::asio::prefer(ex, ::asio::execution::outstanding_work.tracked);
        } else {
            return ::asio::make_work_guard(ex);
        }
    }
    decltype(track(std::declval<const Executor&>())) tracked_;
};

template <class Handler, class IoExecutor, class Convert, class... Args>
class CompletionImpl final : public Completion<Args...> {
public:
    using HandlerExecutor = ::asio::associated_executor_t<Handler, IoExecutor>;
    using Allocator = typename std::allocator_traits<
        ::asio::associated_allocator_t<Handler>>::template rebind_alloc<CompletionImpl>;

    CompletionImpl(Handler handler, const IoExecutor& io, Convert convert)
        : handler_(std::move(handler))
        , work_(::asio::get_associated_executor(handler_, io))
        , convert_(std::move(convert)) {}

    void complete(Args... args) override {
        Allocator alloc(::asio::get_associated_allocator(handler_));
        Handler handler(std::move(handler_));
        auto work = std::move(work_);
        Convert convert(std::move(convert_));
        destroy(alloc, this); // memory back before the upcall
        auto handler_alloc = ::asio::get_associated_allocator(handler);
        ::asio::post(
            work.executor(),
            ::asio::bind_allocator(handler_alloc, Upcall<Handler, Convert, Args...>{
                                                      std::move(handler), std::move(convert),
                                                      std::tuple<Args...>(std::move(args)...)}));
    }

    void discard() noexcept override {
        Allocator alloc(::asio::get_associated_allocator(handler_));
        destroy(alloc, this);
    }

    static void destroy(Allocator& alloc, CompletionImpl* p) noexcept {
        std::allocator_traits<Allocator>::destroy(alloc, p);
        std::allocator_traits<Allocator>::deallocate(alloc, p, 1);
    }

private:
    Handler handler_;
    WorkOn<HandlerExecutor> work_;
    Convert convert_;
};

/// Passes the run's arguments on unchanged.
struct Forward {
    template <class Handler, class... A>
    void operator()(Handler&& handler, A&&... a) const {
        std::forward<Handler>(handler)(std::forward<A>(a)...);
    }
};

/// Wraps `handler` (allocated with its associated allocator).
template <class... Args, class Handler, class IoExecutor, class Convert = Forward>
CompletionPtr<Args...> make_completion(Handler&& handler, const IoExecutor& io,
                                       Convert convert = {}) {
    using Impl = CompletionImpl<std::decay_t<Handler>, IoExecutor, Convert, Args...>;
    typename Impl::Allocator alloc(::asio::get_associated_allocator(handler));
    Impl* p = std::allocator_traits<typename Impl::Allocator>::allocate(alloc, 1);
    try {
        std::allocator_traits<typename Impl::Allocator>::construct(
            alloc, p, std::forward<Handler>(handler), io, std::move(convert));
    } catch (...) {
        std::allocator_traits<typename Impl::Allocator>::deallocate(alloc, p, 1);
        throw;
    }
    return CompletionPtr<Args...>(p);
}

} // namespace processkit::asio::detail
