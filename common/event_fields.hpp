#pragma once
// Walks an event's data fields with their typed values: the one place that
// switches over protobuf field types, for every rendering of an event (the
// JSON payload, logfmt, the script environment) and for the payload bench.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "events.pb.h"

namespace rtmp::common {

// The one switch over a scalar field's type: calls v with the field's value
// as int64_t, uint64_t, double, bool or (strings and enum names)
// std::string_view.
template <typename V>
void visit_scalar(const google::protobuf::Message& msg, const google::protobuf::Reflection* r,
                  const google::protobuf::FieldDescriptor* fd, V&& v) {
  namespace pb = google::protobuf;
  switch (fd->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
      return v(static_cast<int64_t>(r->GetInt32(msg, fd)));
    case pb::FieldDescriptor::CPPTYPE_INT64:
      return v(static_cast<int64_t>(r->GetInt64(msg, fd)));
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      return v(static_cast<uint64_t>(r->GetUInt32(msg, fd)));
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      return v(static_cast<uint64_t>(r->GetUInt64(msg, fd)));
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      return v(r->GetDouble(msg, fd));
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      return v(static_cast<double>(r->GetFloat(msg, fd)));
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      return v(r->GetBool(msg, fd));
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      return v(std::string_view(r->GetEnum(msg, fd)->name()));
    case pb::FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      return v(std::string_view(r->GetStringReference(msg, fd, &scratch)));
    }
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      return;  // for_each_data_field skips them
  }
}

// Calls f(key, data, reflection, fd) for each scalar field of the event's data
// message in proto field order; optional fields only when present.
template <typename F>
void for_each_data_field(const rtmphooks::Event& event, F&& f) {
  namespace pb = google::protobuf;
  static const pb::OneofDescriptor* const oneof =
      rtmphooks::Event::descriptor()->FindOneofByName("data");
  const pb::Reflection* r = event.GetReflection();
  const pb::FieldDescriptor* set = r->GetOneofFieldDescriptor(event, oneof);
  if (set == nullptr) return;
  const pb::Message& data = r->GetMessage(event, set);
  const pb::Descriptor* d = data.GetDescriptor();
  const pb::Reflection* dr = data.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* fd = d->field(i);
    if (fd->is_repeated() || fd->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (fd->has_presence() && !dr->HasField(data, fd)) continue;
    f(std::string_view(fd->name()), data, dr, fd);
  }
}

}  // namespace rtmp::common
