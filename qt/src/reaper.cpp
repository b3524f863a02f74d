#include "reaper.hpp"

#include "handle_notifier.hpp"

#include <QtCore/QCoreApplication>
#include <QtCore/QObject>
#include <QtCore/QThread>
#include <memory>
#include <utility>

namespace processkit::qt::detail {
namespace {

class Reaper final : public QObject {
public:
    explicit Reaper(os::Child child)
        : child_(std::move(child))
        , notifier_(make_notifier(os::watch_handle(child_), driver::FdRole::Child, nullptr)) {
        QObject::connect(notifier_.get(), &HandleNotifier::activated, this, [this] { check(); });
    }
    Reaper(const Reaper&) = delete;
    Reaper& operator=(const Reaper&) = delete;
    ~Reaper() override {
        notifier_.reset(); // unregistered before the child closes its pidfd
        // child_ reaps here if it is still there (killed: a brief wait).
    }

    void check() {
        if (!child_.reaped() && !child_.try_wait()) {
            return;
        }
        notifier_->setEnabled(false);
        deleteLater();
    }

private:
    os::Child child_;
    std::unique_ptr<HandleNotifier> notifier_;
};

} // namespace

void reap_later(os::Child child) noexcept {
    try {
        if (child.reaped() || child.try_wait()) {
            return;
        }
        QCoreApplication* app = QCoreApplication::instance();
        QThread* thread = QThread::currentThread();
        if (app == nullptr || thread == nullptr || thread->eventDispatcher() == nullptr) {
            return; // nothing could wait for it: `child` reaps on its way out
        }
        auto reaper = std::make_unique<Reaper>(std::move(child));
        if (thread == app->thread()) {
            reaper->setParent(app);
        } else {
            QObject::connect(thread, &QThread::finished, reaper.get(), &QObject::deleteLater);
        }
        reaper.release()->check();
    } catch (...) {
        // Out of memory: whatever still owns the child reaps it (briefly).
    }
}

} // namespace processkit::qt::detail
