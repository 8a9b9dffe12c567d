#pragma once
// The JSON bodies of the HTTP API (docs/api.md).
#include <string>
#include <string_view>

#include "ingest/api/stats_sampler.hpp"
#include "ingest/registry/directory.hpp"

namespace rtmp::api {

// One live stream: key, app, name, publisher, video, audio, figures,
// recording; with `with_players`, also player_list.
void append_stream_json(std::string& out, const registry::Directory::StreamView& stream,
                        const StreamFigures& figures, bool with_players);

// {"error":"<message>","status":<status>}
std::string error_json(int status, std::string_view message);

}  // namespace rtmp::api
