// Every Switchboard namespace this project sees, once, instead of a block of usings per file.
global using Switchboard.Client.Actors;
global using Switchboard.Client.Commands;
global using Switchboard.Client.Hosting;
global using Switchboard.Client.Interactive;
global using Switchboard.Client.Interactive.Chat;
global using Switchboard.Client.Interactive.Editing;
global using Switchboard.Client.Interactive.Menu;
global using Switchboard.Client.Recovery;
global using Switchboard.Client.Scripted;
global using Switchboard.Messages;
global using Switchboard.Messages.Startup;
global using Switchboard.Messages.Transport.Inbound;
global using Switchboard.Messages.Transport.Tls;
