#pragma once
// The one place a plain Event becomes its proto/events.proto form.
#include "events.pb.h"
#include "ingest/events/event.hpp"

namespace rtmp::events {

// Sets type, conn_id, stream_key, emitted_unix_ns and the typed data. seq, id,
// timestamp and ingest_id are the emitter's to set at hand-off.
rtmphooks::Event to_proto(const Event& event);

// The same into `out`, cleared first. A message filled again and again keeps
// its top-level strings' buffers (Clear() empties them without freeing), so
// an emitter that reuses one does not allocate them per event.
void fill_proto(const Event& event, rtmphooks::Event& out);

}  // namespace rtmp::events
