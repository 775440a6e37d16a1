create schema if not exists warehouse
