#pragma once

#include "messages/http.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include <memory>
#include <utility>

namespace gh {

/// The behaviour of an actor serving HTTP routes through one `Service` object: the actor's state
/// `State` holds its options as `opt`, and `Service` is built with the actor (its constructor
/// takes `caf::stateful_actor<State>*`) and answers each request with `handle(http_request&)`.
template <class Service, class State, class Options>
caf::behavior service_impl(caf::stateful_actor<State>* self, Options options) {
  self->state.opt = std::move(options);
  auto service = std::make_shared<Service>(self);
  return {
      [service](http_request& req) { service->handle(req); },
  };
}

/// Spawns the actor of `service_impl<Service, State>` with `options`.
template <class Service, class State, class Options>
http_handler_actor spawn_service(caf::actor_system& sys, Options options) {
  return caf::actor_cast<http_handler_actor>(
      sys.spawn(service_impl<Service, State, Options>, std::move(options)));
}

} // namespace gh
