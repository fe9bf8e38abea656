// Every Switchboard namespace this project sees, once, instead of a block of usings per file.
global using Switchboard.Messages;
global using Switchboard.Messages.Startup;
global using Switchboard.Messages.Transport.Inbound;
global using Switchboard.Messages.Transport.Tls;
