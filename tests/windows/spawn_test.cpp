// Spawning on Windows under Wine: stdio, environment, working directory,
// inherited handles, batch files and typed errors.
#include "processkit/os/process_group.hpp"
#include "processkit/os/windows/utf16.hpp"
#include "test_support.hpp"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <thread>
#include <windows.h>

namespace processkit {
namespace {

using test::child;

ErrorKind spawn_error(ProcessGroup& group, const Command& c, Error* out = nullptr) {
    try {
        auto p = group.spawn(c);
        ADD_FAILURE() << "spawned " << c.program();
        return ErrorKind::Io;
    } catch (const Error& e) {
        if (out != nullptr) {
            *out = e;
        }
        return e.kind();
    }
}

void write_file(const std::string& path, const std::string& content) {
    std::ofstream f(std::filesystem::path(os::windows::to_utf16(path, "path")), std::ios::binary);
    f << content;
}

TEST(WindowsSpawn, LargeStdoutAndStderrAtOnce) {
    ProcessGroup group;
    auto p = group.spawn(child({"write", "3000000", "both"}));
    const auto o = test::read_both(p);
    EXPECT_EQ(o.out.size(), 3000000U);
    EXPECT_EQ(o.err.size(), 3000000U);
    EXPECT_EQ(o.out.find_first_not_of('x'), std::string::npos);
    EXPECT_EQ(p.child.wait().status, ExitStatus::exited(0));
}

TEST(WindowsSpawn, StdinBytesReachTheChild) {
    ProcessGroup group;
    std::string input;
    for (int i = 0; i < 20000; ++i) {
        input += "line " + std::to_string(i) + "\n";
    }
    auto c = child({"cat"});
    c.stdin_bytes(input);
    auto p = group.spawn(c);
    ASSERT_TRUE(p.stdin_pipe);
    std::thread writer([&] { test::write_all_and_close(p.stdin_pipe, input); });
    const std::string out = test::read_all(p.stdout_pipe);
    writer.join();
    EXPECT_EQ(out, input);
    EXPECT_EQ(p.child.wait().status, ExitStatus::exited(0));
}

TEST(WindowsSpawn, EmptyStdinIsTheNullDevice) {
    ProcessGroup group;
    auto p = group.spawn(child({"cat"}));
    EXPECT_FALSE(p.stdin_pipe);
    EXPECT_EQ(test::read_all(p.stdout_pipe), "");
    EXPECT_EQ(p.child.wait().status, ExitStatus::exited(0));
}

TEST(WindowsSpawn, StdinFromAFileAndAMissingOneNamed) {
    ProcessGroup group;
    const std::string dir = test::temp_dir();
    write_file(dir + "\\in.txt", "from a file\n");
    auto c = child({"cat"});
    c.stdin_file(dir + "\\in.txt");
    auto p = group.spawn(c);
    EXPECT_EQ(test::read_all(p.stdout_pipe), "from a file\n");
    EXPECT_EQ(p.child.wait().status, ExitStatus::exited(0));
    auto missing = child({"cat"});
    missing.stdin_file(dir + "\\nope.txt");
    Error e(ErrorKind::Io, {}, {});
    EXPECT_EQ(spawn_error(group, missing, &e), ErrorKind::NotFound);
    EXPECT_EQ(e.path(), dir + "\\nope.txt");
}

TEST(WindowsSpawn, DiscardedOutputIsNotPiped) {
    ProcessGroup group;
    auto c = child({"write", "100000", "both"});
    c.stdout_mode(StdioMode::Discard).stderr_mode(StdioMode::Discard);
    auto p = group.spawn(c);
    EXPECT_FALSE(p.stdout_pipe);
    EXPECT_FALSE(p.stderr_pipe);
    EXPECT_EQ(p.child.wait().status, ExitStatus::exited(0));
}

TEST(WindowsSpawn, EnvironmentNamesIgnoreCase) {
    ProcessGroup group;
    ::SetEnvironmentVariableW(L"PK_CASE_TEST", L"parent");
    auto read_var = [&](Command c, const std::string& name) {
        c.args({"env", name});
        auto p = group.spawn(c);
        std::string v = test::read_all(p.stdout_pipe);
        p.child.wait();
        return v;
    };
    EXPECT_EQ(read_var(Command(test::child_exe()), "PK_CASE_TEST"), "parent");
    Command removed(test::child_exe());
    removed.env_remove("pk_case_test");
    EXPECT_EQ(read_var(removed, "PK_CASE_TEST"), "<unset>");
    Command replaced(test::child_exe());
    replaced.env("Pk_Case_Test", "child");
    EXPECT_EQ(read_var(replaced, "PK_CASE_TEST"), "child");
    Command cleared(test::child_exe());
    cleared.env_clear().env("ONLY", "this \xC3\xA9");
    EXPECT_EQ(read_var(cleared, "ONLY"), "this \xC3\xA9");
    EXPECT_EQ(read_var(cleared, "PK_CASE_TEST"), "<unset>");
    ::SetEnvironmentVariableW(L"PK_CASE_TEST", nullptr);
}

TEST(WindowsSpawn, WorkingDirectoryAndAMissingOne) {
    ProcessGroup group;
    const std::string dir = test::temp_dir();
    auto c = child({"cwd"});
    c.cwd(dir);
    auto p = group.spawn(c);
    const std::string got = test::read_all(p.stdout_pipe);
    EXPECT_EQ(::CompareStringOrdinal(os::windows::to_utf16(got, "x").c_str(), -1,
                                     os::windows::to_utf16(dir, "x").c_str(), -1, TRUE),
              CSTR_EQUAL)
        << got << " vs " << dir;
    p.child.wait();
    auto bad = child({"cwd"});
    bad.cwd(dir + "\\missing");
    Error e(ErrorKind::Io, {}, {});
    EXPECT_EQ(spawn_error(group, bad, &e), ErrorKind::NotFound);
    EXPECT_EQ(e.path(), dir + "\\missing");
    EXPECT_NE(e.message().find("working directory"), std::string::npos) << e.message();
}

TEST(WindowsSpawn, OnlyTheThreeStdioHandlesAreInherited) {
    ProcessGroup group;
    SECURITY_ATTRIBUTES sa{sizeof sa, nullptr, TRUE};
    HANDLE leak = ::CreateEventW(&sa, TRUE, FALSE, nullptr); // inheritable, not listed
    ASSERT_NE(leak, nullptr);
    auto p =
        group.spawn(child({"has-handle", std::to_string(reinterpret_cast<std::uintptr_t>(leak))}));
    EXPECT_EQ(test::read_all(p.stdout_pipe), "no");
    p.child.wait();
    ::CloseHandle(leak);
}

TEST(WindowsSpawn, MissingProgramNamesWhereItLooked) {
    ProcessGroup group;
    Error e(ErrorKind::Io, {}, {});
    EXPECT_EQ(spawn_error(group, Command("pk-no-such-program"), &e), ErrorKind::NotFound);
    ASSERT_FALSE(e.searched().empty());
    EXPECT_NE(e.searched().front().find("pk-no-such-program"), std::string::npos);
    EXPECT_EQ(e.program(), "pk-no-such-program");
}

TEST(WindowsSpawn, BareNameFoundOnTheChildsPathWithPathext) {
    ProcessGroup group;
    const std::string exe = test::child_exe();
    const std::string dir = exe.substr(0, exe.find_last_of('\\'));
    Command c("pk_test_child"); // no extension: PATHEXT supplies .EXE
    c.env("PATH", dir).env("PATHEXT", ".EXE").args({"exit", "5"});
    auto p = group.spawn(c);
    EXPECT_EQ(p.child.wait().status, ExitStatus::exited(5));
}

TEST(WindowsSpawn, SystemProgramsAreFoundWithACleanEnvironment) {
    ProcessGroup group;
    Command c("cmd");
    c.env_clear().args({"/c", "exit 4"});
    auto p = group.spawn(c);
    EXPECT_EQ(p.child.wait().status, ExitStatus::exited(4));
}

TEST(WindowsSpawn, ADirectoryIsNotAProgram) {
    ProcessGroup group;
    const std::string dir = test::temp_dir();
    ::CreateDirectoryW(os::windows::to_utf16(dir + "\\tool.exe", "p").c_str(), nullptr);
    EXPECT_EQ(spawn_error(group, Command(dir + "\\tool.exe")), ErrorKind::PermissionDenied);
}

TEST(WindowsSpawn, ATextFileIsNotAProgram) {
    ProcessGroup group;
    const std::string dir = test::temp_dir();
    write_file(dir + "\\fake.exe", "this is not a program\n");
    Error e(ErrorKind::Io, {}, {});
    const ErrorKind kind = spawn_error(group, Command(dir + "\\fake.exe"), &e);
    EXPECT_TRUE(kind == ErrorKind::PermissionDenied || kind == ErrorKind::SpawnFailed)
        << e.message();
    EXPECT_EQ(e.program(), dir + "\\fake.exe");
}

TEST(WindowsSpawn, NulBytesAndBadUtf8AreInvalidArguments) {
    ProcessGroup group;
    EXPECT_EQ(spawn_error(group, child({std::string("a\0b", 3)})), ErrorKind::InvalidArgument);
    EXPECT_EQ(spawn_error(group, child({"\xff\xfe"})), ErrorKind::InvalidArgument);
}

TEST(WindowsSpawn, BatchFilesRunThroughCmdWithSafeArguments) {
    ProcessGroup group;
    const std::string dir = test::temp_dir();
    // %1 keeps the quotes processkit put around an argument, so cmd leaves
    // the `&` and `|` inside them alone (`%~1` would strip them and let the
    // script's own echo line run `echo injected`: the script's bug, not ours).
    write_file(dir + "\\echo args.bat", "@echo [%1] [%2]\r\n");
    Command c(dir + "\\echo args.bat");
    c.args({"a & echo injected", "b|c"});
    auto p = group.spawn(c);
    const std::string out = test::read_all(p.stdout_pipe);
    EXPECT_EQ(p.child.wait().status, ExitStatus::exited(0));
    EXPECT_EQ(out.find("injected\r\n"), std::string::npos) << out;
    EXPECT_EQ(out, "[\"a & echo injected\"] [\"b|c\"]\r\n");
}

TEST(WindowsSpawn, BatchArgumentsCmdWouldReinterpretAreRefused) {
    ProcessGroup group;
    const std::string dir = test::temp_dir();
    write_file(dir + "\\t.cmd", "@echo %*\r\n");
    for (std::string bad : {"%PATH%", "a\"b", "line\nbreak", "!x!"}) {
        Command c(dir + "\\t.cmd");
        c.arg(bad);
        Error e(ErrorKind::Io, {}, {});
        EXPECT_EQ(spawn_error(group, c, &e), ErrorKind::InvalidArgument) << bad;
        EXPECT_EQ(e.message().find(bad), std::string::npos) << "message quotes the argument";
    }
    Command raw(dir + "\\t.cmd");
    raw.arg("%OS%").raw_batch_arguments();
    auto p = group.spawn(raw);
    const std::string out = test::read_all(p.stdout_pipe);
    p.child.wait();
    EXPECT_EQ(out, "Windows_NT\r\n") << "raw arguments reach cmd.exe as given";
}

} // namespace
} // namespace processkit
