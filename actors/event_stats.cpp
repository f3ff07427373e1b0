#include "actors/event_stats.hpp"

namespace gh {

consumer_stats& event_stats::consumer(const std::string& name) {
  for (auto& c : consumers_)
    if (c->name == name)
      return *c;
  consumers_.push_back(std::make_unique<consumer_stats>(name));
  return *consumers_.back();
}

} // namespace gh
