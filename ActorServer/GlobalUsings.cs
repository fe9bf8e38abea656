// Every Switchboard namespace this project sees, once, instead of a block of usings per file.
global using Switchboard.Messages;
global using Switchboard.Messages.Startup;
global using Switchboard.Messages.Transport.Inbound;
global using Switchboard.Messages.Transport.Tls;
global using Switchboard.Server.Accounts;
global using Switchboard.Server.Cluster;
global using Switchboard.Server.Gateway;
global using Switchboard.Server.History;
global using Switchboard.Server.Hosting;
global using Switchboard.Server.Monitoring;
global using Switchboard.Server.Operations;
global using Switchboard.Server.Registry;
global using Switchboard.Server.Registry.Protocol;
global using Switchboard.Server.Rooms;
global using Switchboard.Server.Security;
global using Switchboard.Server.Segment;
global using Switchboard.Server.Sessions;
