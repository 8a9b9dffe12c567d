#pragma once
// The event back from its JSON payload (docs/payload.md), for replaying dead
// letters through runners that read the event itself (a script's
// environment, a NATS subject): the top-level members set the Event's fields
// of the same name, `type` picks the data message and `data`'s members set
// its fields. Members it does not know are left out.
#include <optional>
#include <string>
#include <string_view>

#include "events.pb.h"

namespace rtmp::dispatcher {

// nullopt with `why` set when `payload` is not a JSON object with a known `type`.
std::optional<rtmphooks::Event> event_from_payload(std::string_view payload, std::string& why);

}  // namespace rtmp::dispatcher
