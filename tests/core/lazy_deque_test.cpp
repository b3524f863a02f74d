// LazyDeque behaves as a std::deque whether or not it has allocated yet.
#include "processkit/core/lazy_deque.hpp"

#include <gtest/gtest.h>
#include <numeric>
#include <string>

using processkit::LazyDeque;

TEST(LazyDeque, AnUnusedQueueIsAnEmptyRange) {
    const LazyDeque<std::string> q;
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.size(), 0U);
    EXPECT_EQ(q.begin(), q.end());
    int visited = 0;
    for ([[maybe_unused]] const auto& s : q) {
        ++visited;
    }
    EXPECT_EQ(visited, 0);
}

TEST(LazyDeque, IsFirstInFirstOut) {
    LazyDeque<std::string> q;
    q.push_back("a");
    q.emplace_back(2, 'b');
    const std::string c = "c";
    q.push_back(c);
    ASSERT_EQ(q.size(), 3U);
    EXPECT_EQ(q.front(), "a");
    EXPECT_EQ(q.back(), "c");
    EXPECT_EQ(q[1], "bb");
    q.pop_front();
    EXPECT_EQ(q.front(), "bb");
    EXPECT_EQ(std::accumulate(q.begin(), q.end(), std::string()), "bbc");
    q.push_front("z"); // put back at the head, as a partly written chunk is
    EXPECT_EQ(q.front(), "z");
    EXPECT_EQ(q.size(), 3U);
    LazyDeque<std::string> fresh;
    fresh.push_front("only");
    EXPECT_EQ(fresh.back(), "only");
}

TEST(LazyDeque, ReferencesSurviveGrowthAtTheBack) {
    LazyDeque<int> q;
    q.push_back(7);
    const int* first = &q.front();
    for (int i = 0; i < 10000; ++i) {
        q.push_back(i);
    }
    EXPECT_EQ(first, &q.front()); // a deque's guarantee, kept
    EXPECT_EQ(*first, 7);
}

TEST(LazyDeque, ClearEmptiesAndTheQueueIsUsableAgain) {
    LazyDeque<int> q;
    q.push_back(1);
    q.push_back(2);
    q.clear();
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.begin(), q.end());
    q.push_back(3);
    EXPECT_EQ(q.size(), 1U);
    EXPECT_EQ(q.front(), 3);
}

TEST(LazyDeque, EraseRemovesARange) {
    LazyDeque<int> q;
    for (int i = 0; i < 5; ++i) {
        q.push_back(i);
    }
    q.erase(q.begin(), q.begin() + 2);
    ASSERT_EQ(q.size(), 3U);
    EXPECT_EQ(q.front(), 2);
    q.erase(q.begin());
    EXPECT_EQ(q.front(), 3);
    LazyDeque<int> unused;
    EXPECT_EQ(unused.erase(unused.begin(), unused.end()), unused.end());
}
