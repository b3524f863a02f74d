// The Qt adapter's test binary: QtTest classes run one after the other in
// one QCoreApplication (headless; Qt Core only).
#include <QtCore/QCoreApplication>

namespace pkqt {
int runProcessTests(int argc, char** argv);
int runStatsSamplerTests(int argc, char** argv);
int runReadinessRetryTests(int argc, char** argv);
int runSupervisorTests(int argc, char** argv);
int runSnippetTests(int argc, char** argv);
int runPipelineProcessTests(int argc, char** argv);
} // namespace pkqt

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    int failed = 0;
    failed += pkqt::runProcessTests(argc, argv);
    failed += pkqt::runStatsSamplerTests(argc, argv);
    failed += pkqt::runReadinessRetryTests(argc, argv);
    failed += pkqt::runSupervisorTests(argc, argv);
    failed += pkqt::runSnippetTests(argc, argv);
    failed += pkqt::runPipelineProcessTests(argc, argv);
    return failed == 0 ? 0 : 1;
}
