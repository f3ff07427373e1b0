#pragma once

#include <string_view>

namespace gh {

/// True when `host` (a URL's host: a name, an IPv4 address or a bracketed IPv6 address) is this
/// machine's loopback: `localhost`, 127.0.0.0/8 or ::1. Other names are never trusted to be
/// loopback, whatever they look like (`127.example.com` is not).
bool is_loopback_host(std::string_view host);

} // namespace gh
