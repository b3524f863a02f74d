#pragma once
// processkit for Asio (standalone Asio 1.22+): link processkit::asio.
//
//   processkit::asio::Process        a started run (process.hpp)
//   processkit::asio::async_*        run-to-end operations (operations.hpp),
//                                    also for pipelines (pipeline.hpp)
//   processkit::asio::StatsSampler   a group's stats series (stats_sampler.hpp)
//   processkit::asio::async_*_with_retry  retries with backoff (retry.hpp)
//   processkit::asio::Supervisor     keeps a command running (supervisor.hpp)
//
// Note: inside namespace processkit, "asio" names this namespace; refer to
// Asio itself as ::asio there.

#include "processkit/asio/error.hpp"
#include "processkit/asio/operations.hpp"
#include "processkit/asio/pipeline.hpp"
#include "processkit/asio/process.hpp"
#include "processkit/asio/retry.hpp"
#include "processkit/asio/stats_sampler.hpp"
#include "processkit/asio/supervisor.hpp"
#include "processkit/core/command.hpp"
#include "processkit/os/process_group.hpp"
