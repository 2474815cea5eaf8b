"""An independent reader of TensorBoard event files, for the tests.

Follows the documented TFRecord layout (uint64 length, masked CRC-32C of the
length, data, masked CRC-32C of the data) with its own CRC-32C, and decodes
each record as a tensorflow.Event with python3-protobuf, from message
descriptors built here at run time (field numbers from TensorFlow's
event.proto and summary.proto). Shares no code with cohort's writer.
"""
import struct

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_F = descriptor_pb2.FieldDescriptorProto


def _crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc32c_table()


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data):
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _event_class():
    proto = descriptor_pb2.FileDescriptorProto(name="cohort_test_event.proto", package="tensorflow",
                                               syntax="proto3")
    summary = proto.message_type.add(name="Summary")
    value = summary.nested_type.add(name="Value")
    value.oneof_decl.add(name="value")
    value.field.add(name="tag", number=1, type=_F.TYPE_STRING, label=_F.LABEL_OPTIONAL)
    value.field.add(name="simple_value", number=2, type=_F.TYPE_FLOAT, label=_F.LABEL_OPTIONAL, oneof_index=0)
    summary.field.add(name="value", number=1, type=_F.TYPE_MESSAGE, label=_F.LABEL_REPEATED,
                      type_name=".tensorflow.Summary.Value")
    event = proto.message_type.add(name="Event")
    event.oneof_decl.add(name="what")
    event.field.add(name="wall_time", number=1, type=_F.TYPE_DOUBLE, label=_F.LABEL_OPTIONAL)
    event.field.add(name="step", number=2, type=_F.TYPE_INT64, label=_F.LABEL_OPTIONAL)
    event.field.add(name="file_version", number=3, type=_F.TYPE_STRING, label=_F.LABEL_OPTIONAL, oneof_index=0)
    event.field.add(name="summary", number=5, type=_F.TYPE_MESSAGE, label=_F.LABEL_OPTIONAL,
                    type_name=".tensorflow.Summary", oneof_index=0)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    descriptor = pool.FindMessageTypeByName("tensorflow.Event")
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(descriptor)
    return message_factory.MessageFactory(pool).GetPrototype(descriptor)


Event = _event_class()


def read_records(path):
    """The data of every record; raises ValueError on a bad length or CRC."""
    with open(path, "rb") as f:
        blob = f.read()
    records, at = [], 0
    while at < len(blob):
        if at + 12 > len(blob):
            raise ValueError(f"{path}: a record header is cut short at byte {at}")
        header = blob[at:at + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", blob[at + 8:at + 12])
        if length_crc != masked_crc32c(header):
            raise ValueError(f"{path}: the length CRC of the record at byte {at} is wrong")
        data = blob[at + 12:at + 12 + length]
        if len(data) != length or at + 16 + length > len(blob):
            raise ValueError(f"{path}: the record at byte {at} is cut short")
        (data_crc,) = struct.unpack("<I", blob[at + 12 + length:at + 16 + length])
        if data_crc != masked_crc32c(data):
            raise ValueError(f"{path}: the data CRC of the record at byte {at} is wrong")
        records.append(data)
        at += 16 + length
    return records


def read_events(path):
    """[Event] of one file."""
    events = []
    for data in read_records(path):
        event = Event()
        event.ParseFromString(data)
        events.append(event)
    return events
