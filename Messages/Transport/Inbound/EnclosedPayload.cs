using Google.Protobuf;

namespace Switchboard.Messages.Transport.Inbound;

/// <summary>
/// What one of Akka's containers encloses, read before it is decoded: a SelectionEnvelope, an Identify and an
/// ActorIdentity (ContainerFormats.proto) each carry the message as a Payload {message 1, serializerId 2,
/// messageManifest 3} in their field 1, and Akka decodes it with the serializer the peer names there, a container again
/// if it says so, one stack level further each time. One 120 KB frame of selections (or Identifies) nested 20,000 deep
/// overflowed the stack of the thread reading it, which ends the process (a hostile tester's finding,
/// <c>NestedPayloadSpecs</c>). Read as Akka's protobuf parser reads: a Payload written twice is merged, its fields the
/// last written; a field under another wire type is skipped.
/// </summary>
internal static class EnclosedPayload
{
    private const int SelectionSerializer = 6; // Akka's MessageContainerSerializer
    private const int MiscSerializer = 16;     // Akka's MiscMessageSerializer
    private const uint PayloadTag = (1 << 3) | 2;
    private const uint SerializerIdTag = 2 << 3;
    private const uint ManifestTag = (3 << 3) | 2;

    /// <summary>Whether the container in <paramref name="bytes"/> encloses a selection, or, when
    /// <paramref name="identificationsToo"/>, an Identify or ActorIdentity: one of Akka's containers, which nothing Akka
    /// or this code writes puts there, save an Identify in a selection. False for bytes that do not parse (the
    /// container's own serializer refuses them).</summary>
    public static bool EnclosesContainer(byte[] bytes, bool identificationsToo)
    {
        var (serializerId, manifest) = Read(bytes);
        return serializerId == SelectionSerializer
            || (identificationsToo && serializerId == MiscSerializer && (manifest == "ID" || manifest == "AID"));
    }

    private static (int SerializerId, string Manifest) Read(byte[] bytes)
    {
        try
        {
            var input = new CodedInputStream(bytes);
            var serializerId = 0;
            var manifest = ByteString.Empty;
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                if (tag != PayloadTag)
                {
                    input.SkipLastField();
                    continue;
                }
                var payload = input.ReadBytes().CreateCodedInput();
                uint field;
                while ((field = payload.ReadTag()) != 0)
                {
                    if (field == SerializerIdTag) serializerId = payload.ReadInt32();
                    else if (field == ManifestTag) manifest = payload.ReadBytes();
                    else payload.SkipLastField();
                }
            }
            return (serializerId, manifest.ToStringUtf8());
        }
        catch (InvalidProtocolBufferException)
        {
            return (0, "");
        }
    }
}
